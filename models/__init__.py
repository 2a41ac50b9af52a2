"""The five steps of the article 'Neural Networks from Scratch, in R', rebuilt on tinygrad_edu.

Run them from a checkout: `python -m models tour`, or `python -m models <step> --help`.
"""

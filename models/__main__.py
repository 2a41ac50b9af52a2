"""`python -m models <command> [options]`: one command per article step, the tour, pictures.

Each command is a module of this package with a `main(argv)` function.
"""

import importlib
import sys

COMMANDS = {
    "tour": "run all five steps and print the article's figures next to ours",
    "linear_regression": "step 1: least squares, closed form and gradient descent",
    "logistic_regression": "step 2: logistic regression by gradient descent and Newton",
    "softmax_regression": "step 3: softmax regression on all of iris",
    "mlp": "step 4: the article's neural network, mini-batch SGD",
    "cnn": "step 5: convolution, filters and a small convolutional network",
    "graph": "draw the backprop graph of an example (svg, png or html)",
}
ALIASES = {"linear": "linear_regression", "logistic": "logistic_regression",
           "softmax": "softmax_regression"}


def usage() -> str:
    lines = ["usage: python -m models <command> [options]", "", "commands:"]
    lines += [f"  {name:<20} {text}" for name, text in COMMANDS.items()]
    lines += ["", "python -m models <command> --help shows each command's options."]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    name = ALIASES.get(argv[0], argv[0])
    if name not in COMMANDS:
        print(f"unknown command {argv[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"models.{name}")
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Convolution and pooling against the article's loops, and their gradients.

The reference is the article's convolution: for each output position, the sum of the
window times the filter. conv2d computes the same numbers with one window view and one
matmul; the tests compare the two for strides, paddings, non-square kernels, several
channels and batches, then check the gradients against loop formulas and finite
differences (first and second order).
"""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import ops
from tinygrad_edu.nn.functional import avg_pool2d, conv2d, max_pool2d

rng = np.random.default_rng(0)


# ---------------------------------------------------------------------------------------
# References: loops over output positions, as in the article
# ---------------------------------------------------------------------------------------

def loop_conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0)):
    x = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride[0] + 1, (wd - kw) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(n):
        for f in range(o):
            for p in range(oh):
                for q in range(ow):
                    window = x[i, :, p * stride[0]:p * stride[0] + kh,
                               q * stride[1]:q * stride[1] + kw]
                    out[i, f, p, q] = np.sum(window * w[f]) + (0 if b is None else b[f])
    return out


def loop_conv2d_grads(x, w, g, stride=(1, 1), padding=(0, 0)):
    """dL/dx and dL/dw for an upstream gradient g, by the loop: every product
    x[window] * w[f] in the forward sends g * w[f] to the window and g * window to w[f]."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    gx, gw = np.zeros_like(xp), np.zeros_like(w)
    kh, kw = w.shape[2:]
    for i, f, p, q in np.ndindex(*g.shape):
        rows = slice(p * stride[0], p * stride[0] + kh)
        cols = slice(q * stride[1], q * stride[1] + kw)
        gx[i, :, rows, cols] += g[i, f, p, q] * w[f]
        gw[f] += g[i, f, p, q] * xp[i, :, rows, cols]
    return gx[:, :, padding[0]:padding[0] + x.shape[2], padding[1]:padding[1] + x.shape[3]], gw


def loop_pool(x, kernel, stride, reduce):
    n, c, h, w = x.shape
    oh, ow = (h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1
    out = np.zeros((n, c, oh, ow))
    for i, j, p, q in np.ndindex(n, c, oh, ow):
        out[i, j, p, q] = reduce(x[i, j, p * stride[0]:p * stride[0] + kernel[0],
                                   q * stride[1]:q * stride[1] + kernel[1]])
    return out


# (x shape, weight shape, stride, padding)
CONV_CASES = [
    ((1, 1, 5, 5), (1, 1, 3, 3), 1, 0),                 # the article: one image, one filter
    ((2, 3, 7, 6), (4, 3, 3, 2), (2, 1), (1, 0)),       # non-square kernel, stride, padding
    ((3, 2, 8, 9), (5, 2, 1, 4), (1, 3), (2, 1)),
    ((2, 1, 6, 6), (2, 1, 6, 6), 1, 0),                 # kernel as large as the image
    ((1, 2, 5, 4), (3, 2, 3, 3), 2, 2),                 # padding larger than needed
    ((4, 3, 10, 10), (6, 3, 5, 5), 3, 1),               # stride that skips the last rows
]


def pair(v):
    return (v, v) if isinstance(v, int) else v


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CONV_CASES)
def test_conv2d_matches_the_loop(x_shape, w_shape, stride, padding):
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    out = conv2d(tg.Tensor(x), tg.Tensor(w), tg.Tensor(b), stride=stride, padding=padding)
    expected = loop_conv2d(x, w, b, pair(stride), pair(padding))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_conv2d_article_filters():
    """The article's emboss and sharpen filters on a small image, without bias."""
    image = rng.random((1, 1, 6, 6))
    emboss = np.array([[2.0, 0, 0], [0, -1, 0], [0, 0, -1]])
    sharpen = np.array([[0.0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    filters = np.stack([emboss, sharpen])[:, None]
    out = conv2d(tg.Tensor(image), tg.Tensor(filters))
    np.testing.assert_allclose(out.numpy(), loop_conv2d(image, filters), atol=1e-12)


def test_conv2d_gradients_match_the_loop_formulas():
    x, w = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2))
    xt, wt = tg.Tensor(x, requires_grad=True), tg.Tensor(w, requires_grad=True)
    out = conv2d(xt, wt, stride=(2, 1), padding=(1, 0))
    g = rng.standard_normal(out.shape)   # a random upstream gradient, not ones
    gx, gw = tg.grad(out, [xt, wt], grad_outputs=[g])
    expected_gx, expected_gw = loop_conv2d_grads(x, w, g, (2, 1), (1, 0))
    np.testing.assert_allclose(gx.numpy(), expected_gx, atol=1e-12)
    np.testing.assert_allclose(gw.numpy(), expected_gw, atol=1e-12)


def test_conv2d_keeps_float32_and_takes_unbatched_images():
    x = tg.randn(3, 8, 8)
    w = tg.randn(2, 3, 3, 3)
    out = conv2d(x, w, padding=1)
    assert out.shape == (2, 8, 8) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), conv2d(x.unsqueeze(0), w, padding=1).numpy()[0])


def test_conv2d_computes_no_gradient_for_data():
    x = tg.randn(2, 1, 6, 6)
    w = tg.randn(3, 1, 3, 3, requires_grad=True)
    conv2d(x, w).sum().backward()
    assert x.grad is None and w.grad.shape == w.shape


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CONV_CASES[1:3])
def test_conv2d_gradcheck(x_shape, w_shape, stride, padding):
    inputs = [rng.standard_normal(x_shape), rng.standard_normal(w_shape),
              rng.standard_normal(w_shape[0])]
    f = lambda x, w, b: conv2d(x, w, b, stride=stride, padding=padding)
    assert tg.gradcheck(f, inputs)
    assert tg.gradgradcheck(f, inputs)


# ---------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------

# (x shape, kernel, stride)
POOL_CASES = [
    ((2, 3, 4, 4), 2, None),
    ((1, 2, 7, 5), (3, 2), (2, 1)),     # overlapping windows, non-square, partial cover
    ((2, 1, 6, 6), 3, 1),
]


@pytest.mark.parametrize("x_shape, kernel, stride", POOL_CASES)
def test_pools_match_the_loop(x_shape, kernel, stride):
    x = rng.standard_normal(x_shape)
    k = pair(kernel)
    s = k if stride is None else pair(stride)
    np.testing.assert_allclose(max_pool2d(tg.Tensor(x), kernel, stride).numpy(),
                               loop_pool(x, k, s, np.max))
    np.testing.assert_allclose(avg_pool2d(tg.Tensor(x), kernel, stride).numpy(),
                               loop_pool(x, k, s, np.mean), atol=1e-12)


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
@pytest.mark.parametrize("x_shape, kernel, stride", POOL_CASES[:2])
def test_pool_gradcheck(pool, x_shape, kernel, stride):
    x = rng.permutation(np.prod(x_shape)).reshape(x_shape) / 10.0  # distinct: no ties
    f = lambda x: pool(x, kernel, stride)
    assert tg.gradcheck(f, [x])
    assert tg.gradgradcheck(f, [x])


def test_max_pool_gradient_goes_to_the_maximum():
    x = tg.tensor([[[[1.0, 5.0], [3.0, 2.0]]]], requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0, 1], [0, 0]]]])


# ---------------------------------------------------------------------------------------
# The primitives: windows, window_add (its adjoint) and pad
# ---------------------------------------------------------------------------------------

def test_windows_is_the_view_of_every_window():
    x = rng.standard_normal((2, 3, 7, 6))
    out = ops.windows(tg.Tensor(x), kernel=(3, 2), stride=(2, 1)).numpy()
    assert out.shape == (2, 3, 3, 5, 3, 2)
    for p, q in np.ndindex(3, 5):
        np.testing.assert_array_equal(out[:, :, p, q], x[:, :, 2 * p:2 * p + 3, q:q + 2])
    assert not out.flags.owndata   # a view: no copy of the image


@pytest.mark.parametrize("size, kernel, stride", [((7, 6), (3, 2), (2, 1)),
                                                  ((5, 5), (2, 2), (2, 2)),
                                                  ((6, 4), (3, 3), (1, 3))])
def test_window_add_is_the_adjoint_of_windows(size, kernel, stride):
    """<windows(x), y> = <x, window_add(y)> for all x and y: the definition of the adjoint."""
    x = rng.standard_normal((2, 3, *size))
    windows = ops.windows(tg.Tensor(x), kernel=kernel, stride=stride)
    y = rng.standard_normal(windows.shape)
    back = ops.window_add(tg.Tensor(y), size=size, stride=stride)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(windows.numpy() * y), np.sum(x * back.numpy()))


def test_window_primitives_and_pad_gradcheck():
    x = rng.standard_normal((2, 2, 6, 5))
    g = rng.standard_normal((2, 2, 2, 4, 3, 2))
    cases = [
        (lambda x: ops.windows(x, kernel=(3, 2), stride=(2, 1)), x),
        (lambda g: ops.window_add(g, size=(6, 5), stride=(2, 1)), g),
        (lambda x: ops.pad(x, padding=(1, 2)), x),
        (lambda x: ops.windows(ops.pad(x, padding=(1, 0)), kernel=(2, 2), stride=(3, 2)) ** 2,
         x),
    ]
    for f, value in cases:
        assert tg.gradcheck(f, [value])
        assert tg.gradgradcheck(f, [value])


def test_window_add_checks_that_the_windows_fit():
    with pytest.raises(ValueError, match="window_add: .*do not fit an image of 5x5"):
        ops.window_add(tg.zeros(1, 1, 3, 3, 2, 2), size=(5, 5), stride=(1, 1))


# ---------------------------------------------------------------------------------------
# Bad input: clear errors that name the operation
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: conv2d(tg.zeros(1, 3, 8, 8), tg.zeros(4, 1, 3, 3)),
     "conv2d: input has 3 channels, weight expects 1"),
    (lambda: conv2d(tg.zeros(1, 1, 4, 4), tg.zeros(2, 1, 5, 5)),
     r"conv2d: kernel \(5, 5\) is larger than the input \(4, 4\)"),
    (lambda: conv2d(tg.zeros(1, 1, 2, 2), tg.zeros(2, 1, 5, 5), padding=1),
     r"conv2d: kernel \(5, 5\) is larger than the padded input \(4, 4\)"),
    (lambda: conv2d(tg.zeros(8, 8), tg.zeros(2, 1, 3, 3)),
     r"conv2d: expected an input of shape \(N, C, H, W\) or \(C, H, W\), got shape \(8, 8\)"),
    (lambda: conv2d(tg.zeros(1, 1, 8, 8), tg.zeros(1, 3, 3)),
     r"conv2d: weight must have shape \(O, C, KH, KW\), got \(1, 3, 3\)"),
    (lambda: conv2d(tg.zeros(1, 1, 8, 8), tg.zeros(2, 1, 3, 3), tg.zeros(3)),
     r"conv2d: bias must have shape \(2,\), got \(3,\)"),
    (lambda: conv2d(tg.zeros(1, 1, 8, 8), tg.zeros(2, 1, 3, 3), stride=0),
     "conv2d: stride must be an int >= 1"),
    (lambda: conv2d(tg.zeros(1, 1, 8, 8), tg.zeros(2, 1, 3, 3), padding=(1, -1)),
     "conv2d: padding must be an int >= 0"),
    (lambda: max_pool2d(tg.zeros(1, 1, 3, 3), 4),
     r"max_pool2d: kernel \(4, 4\) is larger than the input \(3, 3\)"),
    (lambda: avg_pool2d(tg.zeros(1, 1, 3, 3, 3), 2),
     "avg_pool2d: expected an input of shape"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()

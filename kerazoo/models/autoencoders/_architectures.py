"""Encoder and decoder stacks shared by the autoencoders: dense and convolutional.

Dense (Hinton & Salakhutdinov, 2006, shape 784-1000-500-250-30):

    encoder  x -> Flatten -> [Dense(h) -> (BatchNorm) -> act] for h in hidden_units -> Dense(code)
    decoder  z -> [Dense(h) -> (BatchNorm) -> act] for h in reversed(hidden_units)
               -> Dense(H*W*C, output_activation) -> Reshape(H, W, C)

Convolutional: stride-2 3x3 convolutions halve the image per entry of `conv_filters`,
then the dense part; the decoder mirrors it with stride-2 transposed convolutions:

    encoder  x -> [Conv2D(f, 3, stride 2) -> (BatchNorm) -> act] for f in conv_filters
               -> Flatten -> dense hidden layers -> Dense(code)
    decoder  z -> dense hidden layers -> Dense(h*w*f_last) -> act -> Reshape(h, w, f_last)
               -> [Conv2DTranspose(f, 3, stride 2) -> (BatchNorm) -> act] for the other f, reversed
               -> Conv2DTranspose(C, 3, stride 2, output_activation)

With `refine_filters = r`, the last transposed convolution gives r feature maps at full
resolution (hidden activation) and a stride-1 3x3 Conv2D(C, output_activation) the image:
a little capacity where the fine detail is drawn, at the cost of one more layer at full
resolution.

With `conv_depth = d > 1`, each stage has d - 1 more 3x3 convolutions with stride 1 (same
filters, hidden activation): in the encoder after its stride-2 convolution, in the decoder
before its transposed convolution (the mirror), e.g. for conv_filters (32, 64) and d = 2:

    encoder  conv32/2 -> conv32 -> conv64/2 -> conv64 -> ...
    decoder  ... -> conv64 -> deconv32x2 -> conv32 -> deconv1x2

They deepen the model at the stages' reduced resolutions without changing the code.
"""

import math

import keras

ARCHITECTURES = ("dense", "conv")


def _initializer(seed, index):
    return keras.initializers.GlorotUniform(seed=None if seed is None else seed + index)


class _Stack:
    """Appends layers to a list, numbering the seeded initializers; every layer gets the
    dtype policy `dtype`."""

    def __init__(self, seed, batch_norm, activation, dtype=None):
        self.layers = []
        self.seed = seed
        self.batch_norm = batch_norm
        self.activation = activation
        self.dtype = dtype
        self.count = 0

    def _next_init(self):
        self.count += 1
        return _initializer(self.seed, self.count)

    def dense(self, units, activation="hidden", name=None):
        hidden = activation == "hidden"
        bn = hidden and self.batch_norm
        self.layers.append(
            keras.layers.Dense(
                units,
                activation=None if hidden else activation,
                use_bias=not bn,
                kernel_initializer=self._next_init(),
                name=name,
                dtype=self.dtype,
            )
        )
        if hidden:
            self._norm_act()

    def conv(self, filters, transpose=False, activation="hidden", name=None, strides=2):
        hidden = activation == "hidden"
        bn = hidden and self.batch_norm
        cls = keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D
        self.layers.append(
            cls(
                filters,
                3,
                strides=strides,
                padding="same",
                activation=None if hidden else activation,
                use_bias=not bn,
                kernel_initializer=self._next_init(),
                name=name,
                dtype=self.dtype,
            )
        )
        if hidden:
            self._norm_act()

    def _norm_act(self):
        if self.batch_norm:
            self.layers.append(keras.layers.BatchNormalization(dtype=self.dtype))
        self.layers.append(keras.layers.Activation(self.activation, dtype=self.dtype))

    def sequential(self, name):
        model = keras.Sequential(self.layers, name=name)
        if self.dtype is not None:
            model.dtype_policy = self.dtype  # a Sequential model takes no `dtype` argument
        return model


def build_encoder(
    image_shape, code_size, architecture, hidden_units, conv_filters, activation,
    code_activation, batch_norm, seed, code_layers=(), conv_depth=1, name="encoder", dtype=None,
):
    """The encoder `keras.Sequential`: images (N, H, W, C) -> codes (N, code_size).

    `code_layers` are appended after the code layer (e.g. a `SparsityRegularization`).
    Every layer (and the model) gets the dtype policy `dtype` (None: the global one).
    """
    stack = _Stack(seed, batch_norm, activation, dtype)
    stack.layers.append(keras.Input(shape=tuple(image_shape), name="images"))
    if architecture == "conv":
        for f in conv_filters:
            stack.conv(f)
            for _ in range(conv_depth - 1):
                stack.conv(f, strides=1)
    stack.layers.append(keras.layers.Flatten(dtype=dtype))
    for units in hidden_units:
        stack.dense(units)
    stack.dense(code_size, activation=code_activation, name="code")
    stack.layers.extend(code_layers)
    return stack.sequential(name)


def build_decoder(
    image_shape, code_size, architecture, hidden_units, conv_filters, activation,
    output_activation, batch_norm, seed, refine_filters=0, conv_depth=1, name="decoder", dtype=None,
):
    """The decoder `keras.Sequential`: codes (N, code_size) -> images (N, H, W, C), every
    layer under the dtype policy `dtype`."""
    height, width, channels = image_shape
    stack = _Stack(None if seed is None else seed + 1000, batch_norm, activation, dtype)
    stack.layers.append(keras.Input(shape=(code_size,), name="codes"))
    for units in reversed(tuple(hidden_units)):
        stack.dense(units)
    if architecture == "conv":
        scale = 2 ** len(conv_filters)
        h, w, f = height // scale, width // scale, conv_filters[-1]
        stack.dense(h * w * f)
        stack.layers.append(keras.layers.Reshape((h, w, f), dtype=dtype))
        for i in reversed(range(len(conv_filters))):
            for _ in range(conv_depth - 1):
                stack.conv(conv_filters[i], strides=1)
            if i > 0:
                stack.conv(conv_filters[i - 1], transpose=True)
        if refine_filters:
            stack.conv(refine_filters, transpose=True)
            stack.conv(channels, activation=output_activation, name="reconstruction", strides=1)
        else:
            stack.conv(channels, transpose=True, activation=output_activation, name="reconstruction")
    else:
        stack.dense(math.prod(image_shape), activation=output_activation, name="reconstruction")
        stack.layers.append(keras.layers.Reshape(tuple(image_shape), dtype=dtype))
    return stack.sequential(name)

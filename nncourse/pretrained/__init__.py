"""The course's pretrained models, built by ``python -m nncourse.pretrain`` (see its docstring).

Each ``<name>.npz`` (a float32 state dict of :func:`nncourse.transfer.small_cnn`) has a
``<name>.json`` beside it recording how it was made and its sha256;
:func:`nncourse.transfer.load_pretrained` checks the hash. ``transfer_curves.json`` holds
chapter 9's label-budget grid.
"""

"""Write torchvision reference models and outputs for the C++ parity test.

For each architecture, writes OUT/<arch>.safetensors (the state_dict of a seeded random
torchvision model with randomised BatchNorm statistics) and OUT/<arch>_io.safetensors (an
input batch and the eval-mode logits and features for it). Safetensors is written here with
struct and json, because the `safetensors` package is not part of Debian's python3-torch.

Usage: /usr/bin/python3 make_parity_vectors.py OUT [ARCH...]
"""
import json
import struct
import sys

import numpy as np
import torch
import torchvision

NUM_CLASSES = 3
INPUT_SHAPE = (2, 3, 64, 64)

DTYPES = {
    torch.float32: ("F32", np.float32),
    torch.int64: ("I64", np.int64),
}


def write_safetensors(path, tensors):
    """Write a dict of name -> tensor in the safetensors layout."""
    header = {"__metadata__": {"format": "pt", "source": "torchvision " + torchvision.__version__}}
    blobs = []
    offset = 0
    for name, tensor in tensors.items():
        dtype, np_dtype = DTYPES[tensor.dtype]
        blob = np.ascontiguousarray(tensor.detach().numpy(), dtype=np.dtype(np_dtype).newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def randomise_batch_norm(model, generator):
    """Give every BatchNorm non-trivial affine parameters and running statistics."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                c = module.num_features
                module.weight.copy_(torch.rand(c, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(c, generator=generator) * 0.1)
                module.running_mean.copy_(torch.randn(c, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(c, generator=generator) + 0.5)
                module.num_batches_tracked.fill_(7)


def pooled_features(model, arch, x):
    """Return the pooled backbone output [N, F] that comes before dropout and the head."""
    if arch.startswith("resnet"):
        body = torch.nn.Sequential(*list(model.children())[:-1])
        return torch.flatten(body(x), 1)
    return torch.flatten(torch.nn.functional.adaptive_avg_pool2d(model.features(x), 1), 1)


def main():
    out = sys.argv[1]
    archs = sys.argv[2:] or ["resnet18", "resnet34", "resnet50", "mobilenet_v2"]
    torch.set_num_threads(2)
    for index, arch in enumerate(archs):
        torch.manual_seed(1234 + index)
        generator = torch.Generator().manual_seed(99 + index)
        model = getattr(torchvision.models, arch)(weights=None, num_classes=NUM_CLASSES)
        randomise_batch_norm(model, generator)
        model.eval()

        state = model.state_dict()
        if arch == "mobilenet_v2":
            # Files converted elsewhere often lack these buffers; the loader must accept that.
            state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
        write_safetensors(f"{out}/{arch}.safetensors", state)

        x = torch.randn(*INPUT_SHAPE, generator=generator)
        with torch.no_grad():
            logits = model(x)
            features = pooled_features(model, arch, x)

        # Training mode: BatchNorm uses batch statistics, and a loss on the features (before
        # dropout, so the result is deterministic) gives a gradient for the first conv.
        model.train()
        train_features = pooled_features(model, arch, x)
        train_features.pow(2).sum().backward()
        first_conv = model.conv1 if arch.startswith("resnet") else model.features[0][0]
        write_safetensors(f"{out}/{arch}_io.safetensors", {
            "input": x, "logits": logits, "features": features,
            "train_features": train_features.detach(), "train_first_conv_grad": first_conv.weight.grad})
    print("wrote", ", ".join(archs))


if __name__ == "__main__":
    main()

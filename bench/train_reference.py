#!/usr/bin/python3
"""Python reference of train's full recipe, for the train benchmark.

Reads the same split from the manifest and runs the same recipe with Debian's torch and
torchvision. The model is torchvision's mobilenet_v2 with TensorFlow SAME padding on its five
stride-2 convolutions, loaded from the same safetensors weights. Training views use random
resized crop, flip, rotation, brightness and contrast. Phase 1 trains the head on the frozen
body (features under no_grad), phase 2 the whole network with three layer groups, both with
AdamW and one-cycle schedules. Prints one JSON object on stdout.

Run with /usr/bin/python3 (the interpreter that has python3-torch and python3-torchvision).
"""

import argparse
import json
import math
import os
import resource
import sqlite3
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from PIL import Image, ImageOps
from torchvision import transforms

# Same layer groups as the C++ model: features.0 to features.6 are the early layers.
EARLY_BLOCKS = 7
# Convolutions that TensorFlow pads asymmetrically (stride 2).
TF_SAME_CONVS = ["features.0.0", "features.2.conv.1.0", "features.4.conv.1.0", "features.7.conv.1.0",
                 "features.14.conv.1.0"]


class TfSamePadConv(nn.Module):
    """Pads as TensorFlow's SAME padding does, then runs the convolution with padding 0."""

    def __init__(self, conv):
        super().__init__()
        self.conv = conv
        self.conv.padding = (0, 0)

    def forward(self, x):
        pads = []
        for side, kernel, stride in ((x.shape[3], self.conv.kernel_size[1], self.conv.stride[1]),
                                     (x.shape[2], self.conv.kernel_size[0], self.conv.stride[0])):
            total = max((math.ceil(side / stride) - 1) * stride + kernel - side, 0)
            pads += [total // 2, total - total // 2]
        return self.conv(F.pad(x, pads))


def read_safetensors(path):
    """Reads a safetensors file of F32 tensors into a state dict."""
    with open(path, "rb") as f:
        data = f.read()
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_size])
    base = 8 + header_size
    state = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {entry['dtype']}, expected F32")
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=base + begin)
        state[name] = torch.from_numpy(array.copy()).reshape(entry["shape"])
    return state


def build_model(weights_dir, num_classes):
    config = json.load(open(os.path.join(weights_dir, "config.json")))
    model = torchvision.models.mobilenet_v2(num_classes=1000)
    state = read_safetensors(os.path.join(weights_dir, "model.safetensors"))
    model.load_state_dict(state, strict=False)
    if config.get("padding") == "tf_same":
        for name in TF_SAME_CONVS:
            parent_name, child = name.rsplit(".", 1)
            parent = model.get_submodule(parent_name)
            setattr(parent, child, TfSamePadConv(getattr(parent, child)))
    model.classifier[1] = nn.Linear(model.last_channel, num_classes)
    return model, config


def read_split(manifest):
    db = sqlite3.connect(manifest)
    row = db.execute("SELECT value FROM settings WHERE key = 'store_dir'").fetchone()
    store = row[0] if row else "images"
    if not os.path.isabs(store):
        store = os.path.join(os.path.dirname(os.path.abspath(manifest)), store)
    rows = db.execute(
        "SELECT path, CASE WHEN decision = 'relabel' AND decision_label IS NOT NULL THEN decision_label "
        "ELSE label END, split FROM images WHERE status = 'kept' AND split IN ('train', 'valid') ORDER BY id"
    ).fetchall()
    classes = sorted({label for _, label, _ in rows})
    index = {label: i for i, label in enumerate(classes)}
    train = [(os.path.join(store, p), index[l]) for p, l, s in rows if s == "train"]
    valid = [(os.path.join(store, p), index[l]) for p, l, s in rows if s == "valid"]
    return classes, train, valid


def load_image(path, short_side):
    """Decodes as curate does (EXIF orientation, alpha on white, RGB) and presizes."""
    image = Image.open(path)
    image.seek(0)
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    image = image.convert("RGB")
    scale = short_side / min(image.size)
    return image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.BILINEAR)


class ImageList(torch.utils.data.Dataset):
    def __init__(self, items, transform):
        self.items, self.transform = items, transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        image, label = self.items[i]
        return self.transform(image), label


class CenterCropFraction:
    def __init__(self, fraction):
        self.fraction = fraction

    def __call__(self, image):
        return transforms.functional.center_crop(image, round(self.fraction * min(image.size)))


def set_bn_eval(model):
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()


def one_cycle(optimizer, max_lrs, total_steps):
    return torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lrs, total_steps=max(total_steps, 1), pct_start=0.25, anneal_strategy="cos",
        div_factor=25.0, final_div_factor=1e5 / 25.0, cycle_momentum=True, base_momentum=0.85, max_momentum=0.95)


def evaluate(model, loader):
    model.eval()
    correct, total, loss = 0, 0, 0.0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            loss += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            total += len(y)
    return loss / total, correct / total


def train_epochs(model, loader, valid_loader, optimizer, scheduler, epochs, frozen, freeze_bn, log):
    for _ in range(epochs):
        start = time.time()
        model.train()
        if freeze_bn:
            set_bn_eval(model)
        loss_sum, seen = 0.0, 0
        for x, y in loader:
            if frozen:
                with torch.no_grad():
                    features = model.features(x)
                    features = F.adaptive_avg_pool2d(features, 1).flatten(1)
                logits = model.classifier(features)
            else:
                logits = model(x)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.item() * len(y)
            seen += len(y)
        valid_loss, accuracy = evaluate(model, valid_loader)
        log.append({"phase": "frozen" if frozen else "unfrozen", "train_loss": loss_sum / seen,
                    "valid_loss": valid_loss, "valid_accuracy": accuracy, "seconds": time.time() - start})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--weights", required=True, help="folder with model.safetensors and config.json")
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--epochs-frozen", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--lrs", default="1e-5,1e-4,1e-3")
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--train-bn", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()

    started = time.time()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    classes, train_items, valid_items = read_split(args.manifest)
    model, config = build_model(args.weights, len(classes))
    mean, std = config["mean"], config["std"]
    crop_pct = config.get("crop_pct", 0.875)
    short_side = math.ceil(args.size / crop_pct)
    train_images = [(load_image(p, short_side), l) for p, l in train_items]
    valid_images = [(load_image(p, short_side), l) for p, l in valid_items]

    normalize = [transforms.ToTensor(), transforms.Normalize(mean, std)]
    train_transform = transforms.Compose([
        transforms.RandomResizedCrop(args.size, scale=(0.35, 1.0), ratio=(3 / 4, 4 / 3)),
        transforms.RandomHorizontalFlip(),
        transforms.RandomRotation(10),
        transforms.ColorJitter(brightness=0.2, contrast=0.2)] + normalize)
    valid_transform = transforms.Compose([CenterCropFraction(crop_pct), transforms.Resize((args.size, args.size))]
                                         + normalize)
    generator = torch.Generator().manual_seed(args.seed)
    train_loader = torch.utils.data.DataLoader(ImageList(train_images, train_transform), batch_size=args.batch,
                                               shuffle=True, generator=generator)
    valid_loader = torch.utils.data.DataLoader(ImageList(valid_images, valid_transform), batch_size=args.batch)
    freeze_bn = not args.train_bn
    log = []

    # Phase 1: the head alone on the frozen body.
    for p in model.features.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.AdamW(model.classifier.parameters(), lr=args.lr, betas=(0.95, 0.99),
                                  weight_decay=args.weight_decay)
    scheduler = one_cycle(optimizer, args.lr, args.epochs_frozen * len(train_loader))
    train_epochs(model, train_loader, valid_loader, optimizer, scheduler, args.epochs_frozen, True, freeze_bn, log)

    # Phase 2: everything, with one learning rate per layer group.
    for p in model.parameters():
        p.requires_grad_(True)
    lrs = [float(v) for v in args.lrs.split(",")]
    groups = [{"params": [p for i in range(EARLY_BLOCKS) for p in model.features[i].parameters()]},
              {"params": [p for i in range(EARLY_BLOCKS, len(model.features)) for p in model.features[i].parameters()]},
              {"params": list(model.classifier.parameters())}]
    optimizer = torch.optim.AdamW(groups, lr=lrs[2], betas=(0.95, 0.99), weight_decay=args.weight_decay)
    scheduler = one_cycle(optimizer, lrs, args.epochs * len(train_loader))
    train_epochs(model, train_loader, valid_loader, optimizer, scheduler, args.epochs, False, freeze_bn, log)

    print(json.dumps({
        "accuracy": log[-1]["valid_accuracy"] if log else 0.0,
        "epochs": log,
        "total_seconds": time.time() - started,
        "epoch_seconds": sum(e["seconds"] for e in log) / max(len(log), 1),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "train_images": len(train_items),
        "valid_images": len(valid_items),
    }))


if __name__ == "__main__":
    main()

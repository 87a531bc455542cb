#!/usr/bin/python3
"""Draw SYNTHETIC cartoon faces with and without glasses, for `make demo` when no real photos exist.

    /usr/bin/python3 contrib/make_synthetic_faces.py OUT_DIR [--count 220] [--seed 7]

Writes OUT_DIR/with_glasses/*.jpg and OUT_DIR/without_glasses/*.jpg (plus a README.txt that says
they are synthetic). Every face has its own random size, position, skin tone, hair, background
texture and JPEG quality, so no two pictures are near-duplicates. These are drawings, not photos:
accuracy on them says nothing about real pictures.
"""
import argparse
import os
import random

from PIL import Image, ImageDraw, ImageFilter


def draw_face(rng, glasses):
    size = rng.choice([256, 288, 320])
    background = tuple(rng.randrange(40, 230) for _ in range(3))
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)

    # Background texture: random stripes and blobs, so pHashes of different pictures differ.
    for _ in range(rng.randrange(6, 14)):
        x, y = rng.randrange(size), rng.randrange(size)
        r = rng.randrange(10, size // 3)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        else:
            draw.rectangle([x - r, y - r // 3, x + r, y + r // 3], fill=colour)

    cx = size // 2 + rng.randrange(-size // 10, size // 10)
    cy = size // 2 + rng.randrange(-size // 12, size // 12)
    face_w = rng.randrange(size // 4, size // 3)
    face_h = int(face_w * rng.uniform(1.15, 1.4))
    skin = rng.choice([(255, 224, 189), (241, 194, 125), (224, 172, 105), (198, 134, 66), (141, 85, 36)])
    hair = tuple(rng.randrange(0, 120) for _ in range(3))
    draw.ellipse([cx - face_w - 6, cy - face_h - 10, cx + face_w + 6, cy + face_h // 3], fill=hair)
    draw.ellipse([cx - face_w, cy - face_h, cx + face_w, cy + face_h], fill=skin)

    eye_y = cy - face_h // 5
    eye_dx = face_w // 2
    eye_r = max(4, face_w // 9)
    for side in (-1, 1):
        ex = cx + side * eye_dx
        draw.ellipse([ex - eye_r, eye_y - eye_r // 2, ex + eye_r, eye_y + eye_r // 2], fill=(255, 255, 255))
        draw.ellipse([ex - eye_r // 2, eye_y - eye_r // 2, ex + eye_r // 2, eye_y + eye_r // 2], fill=(40, 30, 20))
    draw.line([cx, eye_y + eye_r, cx - eye_r // 2, cy + face_h // 4], fill=(120, 80, 60), width=2)
    draw.arc([cx - face_w // 2, cy + face_h // 4, cx + face_w // 2, cy + face_h // 2 + 10], 20, 160,
             fill=(150, 40, 40), width=3)

    if glasses:
        frame = tuple(rng.randrange(0, 90) for _ in range(3))
        lens_r = int(eye_r * rng.uniform(1.7, 2.3))
        width = rng.randrange(3, 7)
        for side in (-1, 1):
            ex = cx + side * eye_dx
            box = [ex - lens_r, eye_y - lens_r, ex + lens_r, eye_y + lens_r]
            if rng.random() < 0.5:
                draw.ellipse(box, outline=frame, width=width)
            else:
                draw.rectangle(box, outline=frame, width=width)
        draw.line([cx - eye_dx + lens_r, eye_y, cx + eye_dx - lens_r, eye_y], fill=frame, width=width)

    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))
    return image


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--count", type=int, default=220, help="pictures per class")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    for label, glasses in (("with_glasses", True), ("without_glasses", False)):
        folder = os.path.join(args.out_dir, label)
        os.makedirs(folder, exist_ok=True)
        for i in range(args.count):
            draw_face(rng, glasses).save(os.path.join(folder, f"synthetic_{i:04d}.jpg"), quality=rng.randrange(70, 95))
    with open(os.path.join(args.out_dir, "README.txt"), "w") as note:
        note.write("SYNTHETIC pictures drawn by contrib/make_synthetic_faces.py, not photos.\n")
    print(f"wrote {2 * args.count} synthetic pictures to {args.out_dir}")


if __name__ == "__main__":
    main()

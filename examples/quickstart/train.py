"""Fits y = w1*x1 + w2*x2 + b by gradient descent on data/train.csv and logs the loss per epoch."""
import argparse
import csv
import json
import math
import os
import tempfile

from tracking import Tracker


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    xs = [(float(r["x1"]), float(r["x2"])) for r in rows]
    ys = [float(r["y"]) for r in rows]
    return xs, ys


def rmse(w, b, xs, ys):
    return math.sqrt(sum((w[0] * a + w[1] * c + b - y) ** 2 for (a, c), y in zip(xs, ys)) / len(ys))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--data", default="data/train.csv")
    args = p.parse_args()

    xs, ys = load(args.data)
    n = len(ys)
    w, b = [0.0, 0.0], 0.0
    with Tracker() as t:
        t.log_params({"alpha": args.alpha, "epochs": args.epochs, "rows": n})
        for epoch in range(args.epochs):
            gw, gb = [0.0, 0.0], 0.0
            for (a, c), y in zip(xs, ys):
                err = w[0] * a + w[1] * c + b - y
                gw[0] += err * a / n
                gw[1] += err * c / n
                gb += err / n
            step = args.alpha / (1 + epoch * 0.05)
            w = [w[0] - step * gw[0] * 0.2, w[1] - step * gw[1]]
            b -= step * gb
            t.log_metrics({"rmse": rmse(w, b, xs, ys)}, step=epoch)
        final = rmse(w, b, xs, ys)
        t.log_metrics({"final_rmse": final}, step=args.epochs)
        print(f"rmse={final:.4f} w={w} b={b:.4f}")
        with tempfile.TemporaryDirectory() as d:
            model = os.path.join(d, "model")
            os.makedirs(model)
            with open(os.path.join(model, "weights.json"), "w") as f:
                json.dump({"w": w, "b": b}, f)
            with open(os.path.join(model, "MLmodel"), "w") as f:
                f.write(
                    "artifact_path: model\n"
                    "flavors:\n"
                    "  python_function:\n"
                    "    loader_module: linear\n"
                    "    data: weights.json\n"
                    "signature:\n"
                    "  inputs: '[{\"name\": \"x1\", \"type\": \"double\"}, {\"name\": \"x2\", \"type\": \"double\"}]'\n"
                    "  outputs: '[{\"name\": \"y\", \"type\": \"double\"}]'\n"
                )
            t.log_artifacts(model, "model")


if __name__ == "__main__":
    main()

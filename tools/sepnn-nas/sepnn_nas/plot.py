"""The results table (Markdown) and the accuracy-vs-bytes Pareto plot of the search."""
import json


def table(rows):
    def pct(v):
        return "" if v is None else f"{100 * v:.1f}%"
    lines = ["| row | test accuracy (%) | per seed | bytes / inference | "
             "less than exchange-all | less than layer-wise |",
             "|---|---:|---|---:|---:|---:|"]
    for r in rows:
        seeds = ", ".join(f"{a:.2f}" for a in r["accuracies"])
        lines.append(f"| {r['name']} | {r['accuracy']:.2f} | {seeds} | "
                     f"{r['bytes_per_inference']} | {pct(r['reduction_vs_exchange_all'])} | "
                     f"{pct(r['reduction_vs_layerwise'])} |")
    return "\n".join(lines) + "\n"


def front(points):
    """The (bytes, accuracy) points no other point beats on both."""
    best, out = -1.0, []
    for b, a in sorted(points, key=lambda p: (p[0], -p[1])):
        if a > best:
            out.append((b, a))
            best = a
    return out


def pareto(log_path, candidates, rows, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(log_path) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    fig, ax = plt.subplots(figsize=(8, 5))
    pts = [(max(s["bytes_per_inference"], 1), s["val_batch_accuracy"]) for s in samples]
    if pts:
        ax.scatter(*zip(*pts), s=8, c="0.7", label="sampled policies (validation batch)")
        fb, fa = zip(*front(pts))
        ax.step(fb, fa, where="post", c="0.4", lw=1, label="their Pareto front")
    cpts = [(max(c["bytes_per_inference"], 1), c["val_accuracy"]) for c in candidates]
    ax.scatter(*zip(*cpts), s=24, c="tab:blue", label="final candidates (whole validation set)")
    for r in rows:
        if r["bytes_per_inference"]:
            ax.scatter(r["bytes_per_inference"], r["accuracy"], marker="*", s=120)
            ax.annotate(r["name"], (r["bytes_per_inference"], r["accuracy"]),
                        textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("bytes per inference")
    ax.set_ylabel("accuracy (%)")
    ax.set_title("Transmission policies: accuracy vs bytes (stars: table rows, test set)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(png_path, dpi=120)
    plt.close(fig)

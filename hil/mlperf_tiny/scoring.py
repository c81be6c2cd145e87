"""Top-1 and AUC from a device's m-results, computed as the official runner's
summarize_result does: per file, multi-value results normalized to sum 1 and
averaged over the file's segments; a single value (ad01) swept over 100
thresholds for the best (precision + recall) / 2; AUC one-vs-rest, macro
averaged (sklearn's roc_auc_score, written out here with numpy)."""
from __future__ import annotations

import numpy as np


def per_file_scores(results: list[list[float]]) -> np.ndarray:
    rows = [r if len(r) == 1 else list(np.asarray(r) / np.sum(r)) for r in results]
    return np.mean(np.asarray(rows, dtype=float), axis=0)


def top1_percent(y_pred: np.ndarray, labels: np.ndarray) -> float:
    if y_pred.shape[1] == 1:
        lo, hi = np.amin(y_pred), np.amax(y_pred)
        best = 0.0
        for threshold in lo + np.arange(0.0, 1.0, .01) * (hi - lo):
            binary = (y_pred > threshold).astype(int)
            tp = np.sum(binary[labels == 1] == 1)
            fp = np.sum(binary[labels == 0] == 1)
            fn = np.sum(binary[labels == 1] == 0)
            precision = tp / (tp + fp + 1e-8)
            recall = tp / (tp + fn + 1e-8)
            best = max(best, 100 * (precision + recall) / 2)
        return float(best)
    return float(100 * np.sum(labels == np.argmax(y_pred, axis=1)) / len(y_pred))


def binary_auc(truth: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve: the Mann-Whitney statistic, ties counting one half."""
    pos, neg = score[truth == 1], score[truth == 0]
    if len(pos) == 0 or len(neg) == 0:
        raise ValueError("AUC needs both classes in the labels")
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def auc(y_pred: np.ndarray, labels: np.ndarray) -> float:
    """As roc_auc_score(labels, y_pred[:, 1]) for two columns, multi_class='ovr' beyond, and
    on the single column for ad01.  ValueError (as sklearn raises) when a class has no file."""
    if y_pred.shape[1] == 1:
        return binary_auc(labels, y_pred[:, 0])
    if y_pred.shape[1] == 2:
        return binary_auc(labels, y_pred[:, 1])
    present = set(int(c) for c in labels)
    if present != set(range(y_pred.shape[1])):
        raise ValueError(f"one-vs-rest AUC needs a file of every one of the {y_pred.shape[1]} classes; "
                         f"the labels have {sorted(present)}")
    return float(np.mean([binary_auc((labels == c).astype(int), y_pred[:, c]) for c in range(y_pred.shape[1])]))

"""Tune, fit and predict one scikit-learn linear peer; prints one JSON object on stdout.

  python3 linear.py --model ridge|logreg|polarity --features binary|tfidf \
      --train FILE --dev FILE --test FILE --grid 0.1,1,10

Files are svmlight (binary) or JSON Lines {"text", "rating"} (tfidf). Every model is fitted on train only;
the grid value (alpha for ridge, C for logistic regression) with the best dev score is refitted and
predicts test. ridge: ratings clipped to [1, 5], dev RMSE. logreg: multinomial, rating = expected star, dev RMSE.
polarity: binary logistic regression on rating >= 4, rating = 1 + 4 P(positive) (so > 3 iff P > 0.5),
dev polarity accuracy. Times: train = featurising train + fitting the chosen value; predict = featurising
test (tfidf only: binary features come vectorised, the caller times that) + predicting.
"""
import argparse
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge

from features import load_binary, read_jsonl, tfidf_vectorizer


def make(model, value, warm_start=False):
    if model == "ridge":
        return Ridge(alpha=value)
    return LogisticRegression(C=value, max_iter=3000, n_jobs=1, warm_start=warm_start)


def target(model, y):
    return (y >= 4).astype(int) if model == "polarity" else y


def ratings(model, fitted, x):
    if model == "ridge":
        return np.clip(fitted.predict(x), 1.0, 5.0)
    proba = fitted.predict_proba(x)
    if model == "polarity":
        return 1.0 + 4.0 * proba[:, list(fitted.classes_).index(1)]
    return proba @ fitted.classes_.astype(float)


def dev_score(model, predicted, y):
    """Lower is better: RMSE, or 1 - polarity accuracy over ratings other than 3."""
    if model == "polarity":
        keep = y != 3
        return float(1.0 - np.mean((predicted[keep] > 3) == (y[keep] >= 4)))
    return float(np.sqrt(np.mean((predicted - y) ** 2)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["ridge", "logreg", "polarity"], required=True)
    ap.add_argument("--features", choices=["binary", "tfidf"], required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--dev", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--grid", required=True)
    args = ap.parse_args()
    grid = [float(v) for v in args.grid.split(",")]

    if args.features == "binary":
        x_train, y_train = load_binary(args.train)
        (x_dev, y_dev), (x_test, y_test) = load_binary(args.dev), load_binary(args.test)
        featurise_seconds = 0.0
        test_transform = lambda: x_test
        n_features = x_train.shape[1]
    else:
        train_texts, y_train = read_jsonl(args.train)
        (dev_texts, y_dev), (test_texts, y_test) = read_jsonl(args.dev), read_jsonl(args.test)
        t = time.perf_counter()
        vectorizer = tfidf_vectorizer()
        x_train = vectorizer.fit_transform(train_texts)
        featurise_seconds = time.perf_counter() - t
        x_dev = vectorizer.transform(dev_texts)
        test_transform = lambda: vectorizer.transform(test_texts)
        n_features = len(vectorizer.vocabulary_)

    # Logistic regression runs the grid as one regularisation path (increasing C, each fit warm-started
    # from the previous solution: the same optimum, far fewer lbfgs iterations). The chosen value is then
    # refitted from scratch; that cold fit is the one timed and used on test.
    tuning, best = [], None
    path = make(args.model, grid[0], warm_start=args.model != "ridge")
    for value in sorted(grid):
        path.set_params(**{"alpha" if args.model == "ridge" else "C": value})
        path.fit(x_train, target(args.model, y_train))
        score = dev_score(args.model, ratings(args.model, path, x_dev), y_dev)
        tuning.append({"value": value, "dev": score})
        if best is None or score < best[0]:
            best = (score, value)
    _, value = best
    t = time.perf_counter()
    fitted = make(args.model, value).fit(x_train, target(args.model, y_train))
    fit_seconds = time.perf_counter() - t

    t = time.perf_counter()
    predicted = ratings(args.model, fitted, test_transform())
    predict_seconds = time.perf_counter() - t

    json.dump({
        "param": "alpha" if args.model == "ridge" else "C",
        "value": value,
        "tuning": tuning,
        "devCriterion": "1 - polarity accuracy" if args.model == "polarity" else "rmse",
        "nFeatures": int(n_features),
        "trainSeconds": featurise_seconds + fit_seconds,
        "predictSeconds": predict_seconds,
        "sklearn": sklearn.__version__,
        "truth": y_test.tolist(),
        "test": predicted.tolist(),
    }, sys.stdout)


if __name__ == "__main__":
    main()

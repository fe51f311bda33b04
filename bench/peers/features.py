"""Feature matrices for the linear peers (bench/peers/linear.py).

binary: the rectify Vectorizer's binary top-5000 presence features, exported by bench/peers.ts as
        zero-based svmlight files (label = star rating).
tfidf:  TF-IDF of word unigrams and bigrams computed here from the raw JSON Lines texts, fitted on train.
The caller times the text-to-matrix work.
"""
import json

import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.feature_extraction.text import TfidfVectorizer

BINARY_FEATURES = 5000


def read_jsonl(path):
    texts, ratings = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            texts.append(row["text"])
            ratings.append(int(row["rating"]))
    return texts, np.asarray(ratings)


def load_binary(path):
    x, y = load_svmlight_file(path, n_features=BINARY_FEATURES, zero_based=True, dtype=np.float64)
    return x.tocsr(), y.astype(int)


def tfidf_vectorizer():
    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float64)

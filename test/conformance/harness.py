"""Observation helpers for the conformance scenarios.

A scenario is an ordinary script using the real MLflow client. It records what it sees with `observe` (a value,
or the exception: class, error_code, HTTP status) and `rest` (a raw REST call: status and JSON). The runner runs
every scenario against the real MLflow server and against `mlops server`, and compares the normalised
observations. Run one alone with MLFLOW_TRACKING_URI set: `python3 scenarios/runs.py` prints its observations.
"""

import datetime
import json
import math
import os
import re
import tempfile

import requests

OBS = []
PREFIX = os.environ.get("CONF_PREFIX", "conf")
_TMP = tempfile.mkdtemp(prefix="conf-")


def name(s):
    """An experiment or model name unique to this scenario (scenarios share a server)."""
    return f"{PREFIX}-{s}"


def tmp(*parts):
    p = os.path.join(_TMP, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def _plain(v, depth=0):
    if depth > 12:
        return "<deep>"
    try:
        import pandas as pd

        if isinstance(v, pd.DataFrame):
            cols = sorted(v.columns)
            return {"columns": cols, "rows": [{c: _plain(r[c], depth + 1) for c in cols} for _, r in v.iterrows()]}
        if isinstance(v, pd.Series):
            return [_plain(x, depth + 1) for x in v.tolist()]
    except ImportError:
        pass
    try:
        import numpy as np

        if isinstance(v, np.ndarray):
            return [_plain(x, depth + 1) for x in v.tolist()]
        if isinstance(v, np.generic):
            v = v.item()
    except ImportError:
        pass
    if isinstance(v, datetime.datetime):
        return "<datetime>"
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, bytes):
        return {"bytes": len(v)}
    if isinstance(v, dict):
        return {str(k): _plain(x, depth + 1) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x, depth + 1) for x in v]
    if isinstance(v, (set, frozenset)):
        return sorted(_plain(x, depth + 1) for x in v)
    if hasattr(v, "__iter__") and hasattr(type(v), "_properties"):
        out = {"__class__": type(v).__name__}
        for k, x in v:
            out[k] = _plain(x, depth + 1)
        return out
    if hasattr(v, "to_dictionary"):
        return _plain(v.to_dictionary(), depth + 1)
    if hasattr(v, "__dict__") and not callable(v):
        return {"__class__": type(v).__name__, **{k: _plain(x, depth + 1) for k, x in vars(v).items() if not k.startswith("_")}}
    return repr(v)


def describe_error(e):
    d = {"class": type(e).__name__}
    code = getattr(e, "error_code", None)
    if code is not None:
        d["error_code"] = code
    if hasattr(e, "get_http_status_code"):
        d["status"] = e.get_http_status_code()
    return d


def observe(label, fn, *args, **kwargs):
    """Calls fn and records its value (normalised) or its exception. Returns the value, or None on error."""
    try:
        v = fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the exception is the observation
        OBS.append({"label": label, "error": describe_error(e)})
        return None
    OBS.append({"label": label, "value": _plain(v)})
    return v


def record(label, value):
    OBS.append({"label": label, "value": _plain(value)})


def rest(label, method, path, json_body=None, params=None, data=None, headers=None, keep=None, status_only=False):
    """A raw REST call; records the status and the JSON body without `message` (wording is free).

    status_only: record the status alone (Flask answers unknown routes with an HTML page; ours is JSON)."""
    url = os.environ["MLFLOW_TRACKING_URI"].rstrip("/") + path
    h = dict(headers or {})
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if token and "Authorization" not in h:
        h["Authorization"] = f"Bearer {token}"
    r = requests.request(method, url, json=json_body, params=params, data=data, headers=h, timeout=60)
    try:
        body = r.json()
    except ValueError:
        body = {"non_json": len(r.content)}
    if isinstance(body, dict):
        body.pop("message", None)
        if keep is not None:
            body = keep(body)
    OBS.append({"label": label, "value": {"status": r.status_code} if status_only else {"status": r.status_code, "body": _plain(body)}})
    return r


def emit():
    """Prints the observations (under the runner's driver, which collects OBS itself, nothing)."""
    if os.environ.get("CONF_DRIVER"):
        return
    print("CONFORMANCE-OBSERVATIONS " + json.dumps(OBS, sort_keys=True, default=repr))

#!/usr/bin/python3
"""Checks what `zrt tune --json` wrote: the keys scripts read, and that the result agrees
with itself (the verdict with the interval, the recommendation with the verdict).

    check_tune_json.py TUNE.json
"""
import json
import sys


def fail(message):
    sys.exit(f"check_tune_json.py: {message}")


def main():
    with open(sys.argv[1]) as f:
        j = json.load(f)
    for key in ("model", "ort_version", "cores", "path", "lanes", "ranked_by", "budget_s", "seconds_each",
                "measured_s", "min_gain", "precision", "defaults", "best", "recommended", "gain", "verdict",
                "confidence", "confirmation", "throughput_ratio", "p50_ratio", "option_gains", "steps"):
        if key not in j:
            fail(f"no key '{key}'")
    if j["confidence"] != 0.95:
        fail(f"confidence {j['confidence']}, expected 0.95")
    for key in ("defaults", "best", "recommended"):
        for field in ("label", "options", "p50_us", "p99_us", "throughput_per_s", "runs"):
            if field not in j[key]:
                fail(f"no key '{key}.{field}'")
    if j["defaults"]["label"] != "ORT defaults":
        fail(f"defaults.label is '{j['defaults']['label']}'")
    rec, verdict, conf = j["recommended"], j["verdict"], j["confirmation"]
    if verdict not in ("faster", "slower", "noise", "defaults"):
        fail(f"verdict '{verdict}'")
    if verdict == "defaults":
        if conf is not None or j["best"]["label"] != "ORT defaults":
            fail("verdict 'defaults' with a confirmation, or a best that is not the defaults")
    else:
        if conf["verdict"] != verdict:
            fail(f"verdict '{verdict}' but confirmation.verdict '{conf['verdict']}'")
        if not conf["gain_lo"] <= conf["gain"] <= conf["gain_hi"]:
            fail(f"gain {conf['gain']} outside its interval [{conf['gain_lo']}, {conf['gain_hi']}]")
        expected = "faster" if conf["gain_lo"] > 0 else "slower" if conf["gain_hi"] < 0 else "noise"
        if conf["blocks"] >= 2 and expected != verdict:
            fail(f"interval [{conf['gain_lo']}, {conf['gain_hi']}] means '{expected}', not '{verdict}'")
    # Never slower: the best is recommended only when the confirmation says faster.
    if rec["is_defaults"] != (verdict != "faster"):
        fail(f"recommended.is_defaults {rec['is_defaults']} with verdict '{verdict}'")
    if rec["is_defaults"]:
        if j["gain"] != 0 or rec["label"] != "ORT defaults":
            fail("recommending the defaults with a gain or another label")
    elif abs(j["gain"] - conf["gain"]) > 1e-12 or rec["label"] != j["best"]["label"]:
        fail("the recommended gain or label is not the best's")
    if not j["steps"] or j["steps"][0]["dimension"] != "intra_op_threads":
        fail("the first step is not intra_op_threads")
    for s in j["steps"]:
        for field in ("dimension", "label", "p50_us", "vs_defaults", "vs_defaults_lo", "vs_defaults_hi",
                      "vs_best_before", "blocks", "adopted"):
            if field not in s:
                fail(f"step without '{field}': {s}")
        if s["blocks"] >= 2 and not s["vs_defaults_lo"] <= s["vs_defaults"] <= s["vs_defaults_hi"]:
            fail(f"step ratio outside its interval: {s}")
    adopted = [s for s in j["steps"] if s["adopted"]]
    if len(adopted) != len(j["option_gains"]):
        fail(f"{len(adopted)} adopted steps but {len(j['option_gains'])} option gains")
    for g in j["option_gains"]:
        for field in ("dimension", "change", "gain", "gain_lo", "gain_hi", "blocks", "verdict"):
            if field not in g:
                fail(f"option gain without '{field}': {g}")
    if j["lanes"] > 0 and j.get("concurrency", {}).get("mode") not in ("zrt_shared", "zrt_replicated"):
        fail(f"--lanes without a concurrency mode: {j.get('concurrency')}")
    print(f"{sys.argv[1]}: {verdict}, gain {j['gain']:.4f}, {len(j['steps'])} steps, "
          f"{len(j['option_gains'])} options adopted")


if __name__ == "__main__":
    main()

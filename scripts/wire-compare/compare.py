#!/usr/bin/env python3
"""Compare two wirecmp.py recordings: per-step frame sequences and payload fields.

Usage: python compare.py ref.json bang.json > compare.md
"""
import json
import re
import sys
from collections import OrderedDict, defaultdict

CONNS = ["A", "B", "C", "D", "E", "F", "G"]
VOLATILE = {"timestamp", "last_active", "observed_at", "deadline", "submitted_at", "created_at",
            "expires_at", "deployed_at", "first_visit", "last_update", "last_visited", "combat_id",
            "salvage_id", "id"}
# values decided by dice: compare presence/type only
RANDOM_KEYS = {"hits", "offensive_losses", "defensive_losses", "shield_loss", "fighters_remaining",
               "shields_remaining", "fighters", "shields", "fighters_delta", "shields_delta", "credits",
               "flee_results", "result", "end", "round", "logs"}
TS = re.compile(r"^\d{4}-\d\d-\d\dT")


def base(label):
    return label.split(" => ")[0].split(" (waited")[0].split(" (nothing came)")[0]


def seqs(st):
    out = {}
    for c in CONNS:
        s = list(st.get("norm", {}).get(c, []))
        if st.get("late_norm", {}).get(c):
            s += ["late:" + x for x in st["late_norm"][c]]
        if s:
            out[c] = s
    return out


def frames(st):
    out = {}
    for c in CONNS:
        f = list(st.get("frames", {}).get(c, [])) + list(st.get("late", {}).get(c, []))
        if f:
            out[c] = f
    return out


def tname(v):
    if v is None:
        return "null"
    return type(v).__name__


def diff(a, b, path, out, loose=False):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if k not in b:
                out.append(f"{path}.{k}: only in ref ({json.dumps(a[k])[:60]})")
        for k in b:
            if k not in a:
                out.append(f"{path}.{k}: only in bang ({json.dumps(b[k])[:60]})")
        ka = [k for k in a if k in b]
        kb = [k for k in b if k in a]
        if ka != kb and path.count(".") < 3:
            out.append(f"{path}: key order ref {ka} vs bang {kb}")
        for k in a:
            if k in b:
                if k in VOLATILE:
                    if tname(a[k]) != tname(b[k]):
                        out.append(f"{path}.{k}: type ref {tname(a[k])} vs bang {tname(b[k])}")
                    continue
                diff(a[k], b[k], f"{path}.{k}", out, loose or k in RANDOM_KEYS)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            if not loose:
                out.append(f"{path}: list len ref {len(a)} vs bang {len(b)}: ref {json.dumps(a)[:100]} bang {json.dumps(b)[:100]}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", out, loose)
        return
    if tname(a) != tname(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool)):
        out.append(f"{path}: type ref {tname(a)} ({json.dumps(a)[:40]}) vs bang {tname(b)} ({json.dumps(b)[:40]})")
        return
    if loose:
        return
    if isinstance(a, str) and TS.match(a) and isinstance(b, str) and TS.match(b):
        return
    if isinstance(a, str) and re.fullmatch(r"[0-9a-f]{32}", a or ""):
        return
    if a != b:
        out.append(f"{path}: ref {json.dumps(a)[:80]} vs bang {json.dumps(b)[:80]}")


INTENDED_PATTERNS = [
    # README "Combat payloads follow the seed ... as a superset"
    (r"participants\.\*\.(combatant_type|is_escape_pod|owner_character_id|ship_type|type|owner): only in bang", "combat participant superset (README)"),
    (r"actions\.\*\.target_id: only in bang", "combat action target_id superset (README)"),
    (r"\.logs: only in bang", "round payload logs (README)"),
    (r"\.end: type ref (null|str) .* vs bang bool", "end as boolean (README)"),
    (r"\.character_filter: order", "character_filter order (ref: Python set order)"),
]


def agg_path(o):
    p = o.split(": ")[0]
    p = re.sub(r"\[\d+\]", "[]", p)
    p = re.sub(r"\.(alice|bob|carol|dan|gus|garrison:\d+:\w+)(?=[.:]|$)", ".*", p)
    return p


def classify(o):
    a = agg_path(o) + ": " + o.split(": ", 1)[1] if ": " in o else o
    for pat, name in INTENDED_PATTERNS:
        if re.search(pat, a):
            return name
    return None


def frame_key(f):
    if f.get("frame_type") == "rpc":
        return "reply"
    return f.get("event")


def main():
    ref = json.load(open(sys.argv[1]))
    bang = json.load(open(sys.argv[2]))
    # index bang steps by base label (k-th occurrence)
    bidx = defaultdict(list)
    for i, st in enumerate(bang):
        bidx[base(st["label"])].append(i)
    used = set()
    occ = defaultdict(int)
    rows = []
    for st in ref:
        b = base(st["label"])
        k = occ[b]
        occ[b] += 1
        j = bidx[b][k] if k < len(bidx[b]) else None
        if j is not None:
            used.add(j)
        rows.append((st, bang[j] if j is not None else None))
    for j, st in enumerate(bang):
        if j not in used:
            rows.append((None, st))

    print("# Wire comparison: reference vs bang\n")
    print("Legend: per connection (A=alice, B=bob, C=carol, D=dan, E=spy, F=never binds, G=gus) the frames received from sending the request")
    print("until its reply + settle; `late:` = arrived after the settle, before the next request.\n")
    nsame = ndiff = 0
    field_agg = OrderedDict()
    intended_agg = OrderedDict()
    for st_r, st_b in rows:
        label = (st_r or st_b)["label"]
        lab_b = st_b["label"] if st_b else "(absent)"
        sr = seqs(st_r) if st_r else {}
        sb = seqs(st_b) if st_b else {}
        same = st_r is not None and st_b is not None and sr == sb
        # reply status comparison (ok/err code) also counted
        nsame += same
        ndiff += not same
        print(f"## {'SAME' if same else 'DIFF'} — {label}" + ("" if not st_b or lab_b == label else f"  /  bang: {lab_b}"))
        if st_r and st_r.get("request"):
            print(f"request ({st_r['sender']}): `{json.dumps(st_r['request'])[:200]}`\n")
        print("| conn | reference | bang |")
        print("|---|---|---|")
        for c in CONNS:
            if c in sr or c in sb:
                a = " → ".join(sr.get(c, [])) or "—"
                bb = " → ".join(sb.get(c, [])) or "—"
                mark = "" if sr.get(c) == sb.get(c) else " **≠**"
                print(f"| {c}{mark} | {a} | {bb} |")
        # error details
        for nm, st in (("ref", st_r), ("bang", st_b)):
            if st and st.get("reply") and not st["reply"].get("ok"):
                print(f"\n{nm} error: `{json.dumps(st['reply'].get('error'))}`")
        # field diffs
        if st_r and st_b:
            fr, fb = frames(st_r), frames(st_b)
            lines = []
            for c in CONNS:
                if c not in fr or c not in fb:
                    continue
                used_b = set()
                for f in fr[c]:
                    key = frame_key(f)
                    cand = None
                    for n, g in enumerate(fb[c]):
                        if n in used_b or frame_key(g) != key:
                            continue
                        if key == "status.update" and (g.get("payload") or {}).get("character_id") != (f.get("payload") or {}).get("character_id"):
                            continue
                        if key == "character.moved" and ("movement" in g.get("payload", {})) != ("movement" in f.get("payload", {})):
                            continue
                        cand = n
                        break
                    if cand is None:
                        continue
                    used_b.add(cand)
                    g = fb[c][cand]
                    out = []
                    f = dict(f); g = dict(g)
                    if isinstance(f.get("character_filter"), list) and isinstance(g.get("character_filter"), list):
                        if sorted(f["character_filter"]) == sorted(g["character_filter"]) and f["character_filter"] != g["character_filter"]:
                            out.append(f"{key}.character_filter: order ref {f['character_filter']} vs bang {g['character_filter']}")
                        f["character_filter"] = sorted(f["character_filter"]); g["character_filter"] = sorted(g["character_filter"])
                    diff(f, g, key, out)
                    for o in out:
                        cl = classify(o)
                        if cl:
                            intended_agg.setdefault(cl, []).append((label, c, o))
                            continue
                        lines.append(f"{c}: {o}")
                        field_agg.setdefault(agg_path(o), []).append((label, c, o))
            if lines:
                print("\nfield differences:")
                for ln in dict.fromkeys(lines):
                    print(f"- {ln}")
        print()
    print(f"\n# Summary: {nsame} steps same, {ndiff} steps different\n")
    print("# Field differences aggregated (path → first example, count)\n")
    for k, v in field_agg.items():
        steps = sorted({x[0] for x in v})
        print(f"- `{k}` ×{len(v)} in {len(steps)} steps — e.g. [{v[0][0]}] {v[0][1]}: {v[0][2][:200]}")
    print("\n# Field differences classified as intended (not listed per step)\n")
    for k, v in intended_agg.items():
        print(f"- {k}: ×{len(v)} — e.g. [{v[0][0]}] {v[0][1]}: {v[0][2][:160]}")


if __name__ == "__main__":
    main()

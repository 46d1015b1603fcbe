#!/usr/bin/env python3
"""Writes tests/golden/combat_vectors.json: combat rounds resolved by the REFERENCE engine.

    scripts/make-golden-vectors.py [GAME_SERVER_DIR] [--out PATH] [--random N] [--seed S]

GAME_SERVER_DIR is the reference's `game-server/` directory (default: $GB_REFERENCE_GAME_SERVER,
else /work/shared/reference/gradient-bang/game-server). The reference engine is imported from
there and called; nothing of it is reproduced here. Only the standard library is needed.

Each vector holds the inputs (base_seed, round, participants, actions) and what the reference
returned: every per-participant map, the end state, the effective actions, the number of random
draws (counted by handing the engine a counting `random.Random`), the generator seed and the first
draws. Named cases come first (V1-V15 of spec combat.md §12, then A-cases), then N random cases
drawn from a fixed seed so the file is reproducible.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import types
from pathlib import Path

DEFAULT_GAME_SERVER = "/work/shared/reference/gradient-bang/game-server"
REPO = Path(__file__).resolve().parents[1]


def load_reference(game_server: str):
    sys.path.insert(0, str(Path(game_server).resolve()))
    sys.dont_write_bytecode = True
    from combat import engine, models  # noqa: E402  (the reference)

    return engine, models


class CountingRandom(random.Random):
    """`random.Random` that remembers its seed and the doubles it handed out."""

    last = None

    def __init__(self, seed):
        self.seed_value = seed
        self.drawn = []
        super().__init__(seed)
        CountingRandom.last = self

    def random(self):
        value = super().random()
        self.drawn.append(value)
        return value


def p(pid, fighters, shields, tpw):
    return {"id": pid, "fighters": fighters, "shields": shields, "turns_per_warp": tpw}


def attack(commit, target):
    return {"action": "attack", "commit": commit, "target": target}


def flee(destination):
    return {"action": "flee", "destination": destination}


BRACE = {"action": "brace"}
PAY = {"action": "pay"}

KESTREL = (300, 150, 3)


def case(name, base_seed, round_number, participants, actions):
    return {
        "name": name,
        "base_seed": base_seed,
        "round": round_number,
        "participants": participants,
        "actions": actions,
    }


def named_cases():
    alpha = p("alpha", *KESTREL)
    runner = p("runner", *KESTREL)
    chaser = p("chaser", 500, 250, 4)
    toll = p("garrison:5:owner", 40, 0, 0)
    return [
        # Spec combat.md §12, same inputs.
        case("V1 duel, both attack", 1234, 1, [alpha, p("beta", *KESTREL)],
             {"alpha": attack(50, "beta"), "beta": attack(40, "alpha")}),
        case("V2 duel, attack vs brace", 1234, 2, [alpha, p("beta", 200, 400, 2)],
             {"alpha": attack(120, "beta"), "beta": BRACE}),
        case("V3 duel to the end: defeat", 42, 3, [p("hunter", 60, 100, 3), p("prey", 15, 50, 4)],
             {"hunter": attack(60, "prey"), "prey": attack(15, "hunter")}),
        case("V4 all brace: stalemate", 7, 1, [alpha, p("beta", *KESTREL)],
             {"alpha": BRACE, "beta": BRACE}),
        case("V5 attack with commit 0 becomes brace", 7, 1, [alpha, p("beta", *KESTREL)],
             {"alpha": attack(0, "beta"), "beta": BRACE}),
        case("V6 flee succeeds, nobody attacks", 1, 1, [runner, chaser],
             {"runner": flee(7), "chaser": BRACE}),
        case("V7 flee fails, chaser attacks the runner", 1, 2, [runner, chaser],
             {"runner": flee(7), "chaser": attack(100, "runner")}),
        case("V8 flee attempt vs attacker", 5, 2, [runner, chaser],
             {"runner": flee(7), "chaser": attack(100, "runner")}),
        case("V9 multi-party: three ships and a garrison", 2024, 4,
             [alpha, p("beta", 200, 120, 2), p("gamma", 600, 300, 3), p("garrison:9:zed", 80, 0, 0)],
             {"alpha": attack(60, "gamma"), "beta": attack(50, "alpha"),
              "gamma": attack(100, "garrison:9:zed"), "garrison:9:zed": attack(50, "gamma")}),
        case("V10 pay vs bracing toll garrison", 11, 1, [toll, runner],
             {"garrison:5:owner": BRACE, "runner": PAY}),
        case("V11 toll garrison round 2", 11, 2, [toll, runner],
             {"garrison:5:owner": attack(40, "runner"), "runner": BRACE}),
        case("V12 attack on an escape pod", 3, 1, [alpha, p("pod", 0, 0, 1)],
             {"alpha": attack(10, "pod"), "pod": BRACE}),
        case("V13 shield cap, braced", 8, 1, [p("big", 6500, 2000, 3), p("small", 300, 0, 3)],
             {"big": BRACE, "small": attack(300, "big")}),
        case("V14 two fleers, sequential opponent choice", 77, 1,
             [p("a", 100, 0, 4), p("b", 100, 0, 2), p("c", 150, 0, 3)],
             {"a": flee(1), "b": flee(2), "c": BRACE}),
        case("V15 victory: last survivor, two losers", 52, 3,
             [p("a", 40, 100, 3), p("b", 4, 0, 3), p("c", 4, 0, 2)],
             {"a": attack(40, "b"), "b": attack(4, "a"), "c": attack(4, "a")}),
        # Our own cases.
        case("A1 two garrisons and three ships, participants unsorted", 9001, 2,
             [p("zeta", 500, 250, 4), p("garrison:3:zeta", 120, 0, 0), p("alpha", 300, 150, 3),
              p("garrison:3:alpha", 60, 0, 0), p("mid", 200, 120, 2)],
             {"zeta": attack(150, "alpha"), "garrison:3:zeta": attack(60, "alpha"),
              "alpha": attack(100, "garrison:3:zeta"), "garrison:3:alpha": attack(60, "zeta"),
              "mid": attack(80, "garrison:3:alpha")}),
        case("A2 three fleers, one bracer, one attacker on a fleer", 31363, 1,
             [p("f1", 100, 50, 4), p("f2", 300, 150, 3), p("f3", 50, 0, 2),
              p("stay", 400, 200, 3), p("hunt", 600, 300, 3)],
             {"f1": flee(2), "f2": flee(3), "f3": flee(4), "stay": BRACE,
              "hunt": attack(200, "f2")}),
        case("A3 failed fleer attacked while others fight", -77, 5,
             [p("slow", 200, 120, 2), p("fast", 500, 250, 4), p("third", 300, 150, 3)],
             {"slow": flee(9), "fast": attack(120, "slow"), "third": attack(90, "fast")}),
        case("A4 pods: pod attacks (commit clamped to 0), pod flees, pod targeted", 4242, 2,
             [p("pod1", 0, 0, 1), p("pod2", 0, 0, 1), p("raider", 1500, 400, 3),
              p("victim", 10, 0, 3)],
             {"pod1": attack(5, "raider"), "pod2": flee(3), "raider": attack(300, "victim"),
              "victim": attack(10, "raider")}),
        case("A5 shields above the cap, both sides attacking", 555, 3,
             [p("fortress", 4000, 5000, 4), p("cruiser", 3500, 1200, 3)],
             {"fortress": attack(400, "cruiser"), "cruiser": attack(500, "fortress")}),
        case("A6 commit above fighters is clamped", 6, 1,
             [p("small", 25, 10, 3), p("big", 80, 40, 3)],
             {"small": attack(1000, "big"), "big": attack(999, "small")}),
        case("A7 attacks on missing, self and empty targets become braces", 7, 7,
             [p("a", 100, 50, 3), p("b", 100, 50, 3), p("c", 100, 50, 3)],
             {"a": attack(10, "nobody"), "b": attack(10, "b"), "c": attack(10, "")}),
        case("A8 one valid attack among invalid ones", 8, 8,
             [p("a", 100, 50, 3), p("b", 100, 50, 3), p("c", 100, 50, 3)],
             {"a": attack(10, "ghost"), "b": attack(30, "a"), "c": attack(5, None)}),
        case("A9 base seed 0", 0, 1, [alpha, p("beta", *KESTREL)],
             {"alpha": attack(30, "beta"), "beta": attack(30, "alpha")}),
        case("A10 base seed null (same as 0)", None, 1, [alpha, p("beta", *KESTREL)],
             {"alpha": attack(30, "beta"), "beta": attack(30, "alpha")}),
        case("A11 negative base seed", -123456789, 2, [alpha, p("beta", *KESTREL)],
             {"alpha": attack(45, "beta"), "beta": BRACE}),
        case("A12 base seed i64 max", 9223372036854775807, 3, [alpha, p("beta", *KESTREL)],
             {"alpha": attack(45, "beta"), "beta": attack(20, "alpha")}),
        case("A13 base seed i64 min", -9223372036854775808, 3, [alpha, p("beta", *KESTREL)],
             {"alpha": attack(45, "beta"), "beta": attack(20, "alpha")}),
        case("A14 base seed 2^61 - 1 (hashes like 0)", 2305843009213693951, 1,
             [alpha, p("beta", *KESTREL)],
             {"alpha": attack(30, "beta"), "beta": attack(30, "alpha")}),
        case("A15 base seed -1 (hash -2)", -1, 4, [alpha, p("beta", *KESTREL)],
             {"alpha": attack(60, "beta"), "beta": flee(12)}),
        case("A16 late round 1000", 2024, 1000, [p("x", 150, 75, 3), p("y", 140, 90, 2)],
             {"x": attack(150, "y"), "y": attack(140, "x")}),
        case("A17 round u32 max", -9, 4294967295, [p("x", 150, 75, 3), p("y", 140, 90, 2)],
             {"x": attack(75, "y"), "y": attack(70, "x")}),
        case("A18 missing actions are timed-out braces", 18, 2,
             [p("a", 100, 50, 3), p("b", 100, 50, 3), p("c", 100, 50, 3)],
             {"a": attack(40, "c")}),
        case("A19 single participant flees: no roll, and the reference says stalemate", 19, 1,
             [p("alone", 300, 150, 3)], {"alone": flee(4)}),
        case("A20 both flee: the second has nobody left to flee from", 22, 1,
             [p("a", 300, 150, 3), p("b", 300, 150, 3)], {"a": flee(1), "b": flee(2)}),
        case("A21 pay and brace keep their targets, flee keeps its destination", 21, 2,
             [toll, runner, p("third", 200, 100, 2)],
             {"garrison:5:owner": {"action": "brace", "target": "runner"},
              "runner": {"action": "pay", "target": "garrison:5:owner", "destination": 3},
              "third": {"action": "flee", "target": "runner", "destination": 8}}),
        case("A22 flee opponent tie goes to the smallest id", 29, 3,
             [p("m", 200, 0, 4), p("k", 200, 0, 1), p("z", 200, 0, 3), p("runner", 50, 0, 2)],
             {"runner": flee(5), "m": BRACE, "k": BRACE, "z": BRACE}),
        case("A23 attack order ties broken by tpw then id", 23, 2,
             [p("b", 100, 0, 3), p("a", 100, 0, 3), p("c", 100, 0, 2), p("d", 100, 0, 4)],
             {"a": attack(30, "d"), "b": attack(30, "c"), "c": attack(30, "a"),
              "d": attack(30, "b")}),
        case("A24 gang fight to exhaustion: victory", 276, 6,
             [p("boss", 40, 100, 3), p("m1", 3, 0, 3), p("m2", 3, 0, 3), p("m3", 3, 0, 3)],
             {"boss": attack(40, "m1"), "m1": attack(3, "boss"), "m2": attack(3, "boss"),
              "m3": attack(3, "boss")}),
        case("A25 target flees successfully while another attack lands", 25, 2,
             [p("runner", 300, 150, 5), p("hunter", 200, 100, 2), p("brawler", 300, 150, 3)],
             {"runner": flee(6), "hunter": attack(100, "runner"), "brawler": attack(80, "hunter")}),
        case("A26 submitted timed_out flag and zero-fighter attacker", 26, 1,
             [p("empty", 0, 100, 3), p("full", 50, 0, 3)],
             {"empty": {"action": "attack", "commit": 10, "target": "full", "timed_out": True},
              "full": {"action": "brace", "timed_out": True}}),
        case("A27 garrison vs garrison", 27, 3,
             [p("garrison:1:a", 500, 0, 0), p("garrison:1:b", 480, 0, 0)],
             {"garrison:1:a": attack(250, "garrison:1:b"),
              "garrison:1:b": attack(240, "garrison:1:a")}),
        case("A28 odd inputs: negative shields and fighters", 28, 2,
             [p("neg", -5, -40, 3), p("pos", 60, -1, 3), p("ok", 60, 30, 3)],
             {"neg": attack(5, "pos"), "pos": attack(60, "ok"), "ok": attack(60, "pos")}),
    ]


def random_cases(count: int, seed: int):
    gen = random.Random(seed)
    names = ["alpha", "beta", "gamma", "delta", "pod", "garrison:4:alpha", "garrison:4:zed", "x"]
    seeds = [0, None, 1, -1, 2 ** 61, 2 ** 63 - 1, -(2 ** 63)]
    cases = []
    for n in range(count):
        ids = gen.sample(names, gen.randint(2, 5))
        participants = []
        for pid in ids:
            if pid.startswith("garrison:"):
                participants.append(p(pid, gen.randint(0, 200), 0, 0))
            elif pid == "pod":
                participants.append(p(pid, 0, 0, 1))
            else:
                participants.append(p(pid, gen.randint(0, 400), gen.randint(0, 1500),
                                      gen.randint(1, 5)))
        actions = {}
        for part in participants:
            roll = gen.random()
            if roll < 0.08:
                continue  # missing: timed-out brace
            if roll < 0.6:
                target = gen.choice(ids + ["ghost", ""])
                actions[part["id"]] = attack(gen.randint(-5, max(1, part["fighters"]) + 10),
                                             target)
            elif roll < 0.75:
                actions[part["id"]] = flee(gen.randint(1, 50))
            elif roll < 0.85:
                actions[part["id"]] = PAY
            else:
                actions[part["id"]] = BRACE
        base_seed = gen.choice(seeds) if gen.random() < 0.2 else gen.randint(-(2 ** 63),
                                                                             2 ** 63 - 1)
        round_number = gen.choice([1, 2, 3, 4, 10, 99, 4294967295])
        cases.append(case(f"R{n + 1:03} random", base_seed, round_number, participants, actions))
    return cases


def run_case(engine, models, c):
    participants = {}
    for part in c["participants"]:
        pid = part["id"]
        participants[pid] = models.CombatantState(
            combatant_id=pid,
            combatant_type="garrison" if pid.startswith("garrison:") else "character",
            name=pid,
            fighters=part["fighters"],
            shields=part["shields"],
            turns_per_warp=part["turns_per_warp"],
            max_fighters=part["fighters"],
            max_shields=part["shields"],
            is_escape_pod=pid.startswith("pod"),
            owner_character_id=pid,
        )
    encounter = models.CombatEncounter(
        combat_id="golden",
        sector_id=0,
        participants=participants,
        round_number=c["round"],
        base_seed=c["base_seed"],
    )
    actions = {}
    for pid, a in c["actions"].items():
        actions[pid] = models.RoundAction(
            action=models.CombatantAction(a["action"]),
            commit=a.get("commit", 0),
            timed_out=a.get("timed_out", False),
            target_id=a.get("target"),
            destination_sector=a.get("destination"),
        )
    # Normalise the recorded inputs to the full action form.
    c["actions"] = {
        pid: {
            "action": a["action"],
            "commit": a.get("commit", 0),
            "target": a.get("target"),
            "destination": a.get("destination"),
            "timed_out": a.get("timed_out", False),
        }
        for pid, a in c["actions"].items()
    }

    CountingRandom.last = None
    outcome = engine.resolve_round(encounter, actions)
    rng = CountingRandom.last
    assert rng is not None, "the reference engine did not build its generator through random.Random"

    def action_json(a):
        return {
            "action": a.action.value,
            "commit": a.commit,
            "target": a.target_id,
            "destination": a.destination_sector,
            "timed_out": a.timed_out,
        }

    c["expected"] = {
        "generator_seed": rng.seed_value,
        "draws": len(rng.drawn),
        "first_draws": rng.drawn[:3],
        "effective_actions": {pid: action_json(a) for pid, a in outcome.effective_actions.items()},
        "hits": outcome.hits,
        "offensive_losses": outcome.offensive_losses,
        "defensive_losses": outcome.defensive_losses,
        "shield_loss": outcome.shield_loss,
        "fighters_remaining": outcome.fighters_remaining,
        "shields_remaining": outcome.shields_remaining,
        "flee_results": outcome.flee_results,
        "end_state": outcome.end_state,
    }
    return c


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("game_server", nargs="?",
                        default=os.environ.get("GB_REFERENCE_GAME_SERVER", DEFAULT_GAME_SERVER))
    parser.add_argument("--out", default=str(REPO / "tests" / "golden" / "combat_vectors.json"))
    parser.add_argument("--random", type=int, default=40, help="number of random cases")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the random cases")
    args = parser.parse_args()

    engine, models = load_reference(args.game_server)
    # The engine calls `random.Random(...)` through its module global: hand it a counting one.
    engine.random = types.SimpleNamespace(Random=CountingRandom)

    cases = named_cases() + random_cases(args.random, args.seed)
    vectors = [run_case(engine, models, c) for c in cases]
    doc = {
        "about": "Combat rounds resolved by the reference engine (game-server/combat/engine.py); "
                 "made by scripts/make-golden-vectors.py. base_seed null means the reference's "
                 "unset seed (hashes as 0). A participant without an action submitted nothing.",
        "python": platform.python_version(),
        "vectors": vectors,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(vectors)} vectors to {out}")


if __name__ == "__main__":
    main()

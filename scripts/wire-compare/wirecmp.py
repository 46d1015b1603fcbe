#!/usr/bin/env python3
"""Wire-level frame-sequence recorder for Gradient Bang servers (reference vs bang).

Usage:  python wirecmp.py ws://127.0.0.1:PORT/ws OUT_PREFIX [--settle 0.4]

Runs one scripted scenario with five connections (A=alice, B=bob, C=carol, D=dan, E=eve/spy).
Every connection only acts for the character it joined itself (bang's ownership rule), except
the few "foreign" probes on E, which are there to show bang's intended 403s.
For each step it records, per connection, every frame received from the moment the request is
sent until its reply arrived plus a settle delay. Frames that arrive between steps are recorded
as "late" frames of the previous step.

Writes OUT_PREFIX.json (raw + normalised) and OUT_PREFIX.txt (normalised, diffable).
"""
import argparse
import asyncio
import json
import sys
import time

import websockets

CONNS = ["A", "B", "C", "D", "E", "F", "G"]
# F never binds anything (sees only true broadcasts)
CHAR = {"A": "alice", "B": "bob", "C": "carol", "D": "dan", "E": "spy", "F": "unbound", "G": "gus"}


def norm(frame, req_id=None):
    """One short string per frame."""
    if frame.get("frame_type") == "event":
        ev = frame.get("event")
        p = frame.get("payload") or {}
        if ev == "status.update":
            return f"status.update({p.get('character_id') or p.get('name')})"
        if ev == "character.moved":
            if "movement" in p:
                return f"character.moved[{p.get('movement')} {p.get('name')} {p.get('move_type')}]"
            return f"character.moved[mover {p.get('character_id')} {p.get('from_sector')}->{p.get('to_sector')} {p.get('move_type')}]"
        if ev == "character.joined":
            return f"character.joined({p.get('character_id')})"
        if ev in ("combat.started", "combat.round_waiting"):
            return f"{ev}(r{p.get('round')} n={len(p.get('participants') or {})})"
        if ev in ("combat.round_resolved", "combat.ended"):
            res = p.get("result")
            return f"{ev}(r{p.get('round')} {res})"
        if ev == "chat.message":
            return f"chat.message({p.get('type')} {p.get('from_name')}->{p.get('to_name', '*')})"
        if ev == "warp.transfer":
            return f"warp.transfer({p.get('from_character_id')}->{p.get('to_character_id')})"
        if ev == "warp.purchase":
            return f"warp.purchase({p.get('character_id')})"
        if ev == "sector.garrison_updated":
            gs = p.get("garrisons") or []
            return f"sector.garrison_updated(s{p.get('sector')} " + ",".join(
                f"{g.get('owner_id')}:{g.get('fighters')}:{g.get('mode')}" for g in gs) + ")"
        return ev
    if frame.get("frame_type") == "rpc":
        own = "" if req_id is None or frame.get("id") == req_id else " (other id)"
        if frame.get("ok"):
            return f"REPLY {frame.get('endpoint')} ok{own}"
        err = frame.get("error") or {}
        return f"REPLY {frame.get('endpoint')} ERR {err.get('status')}{own}"
    return f"?{json.dumps(frame)[:80]}"


class Conn:
    def __init__(self, name, url):
        self.name = name
        self.url = url
        self.buf = []
        self.closed = False
        self.ws = None
        self.task = None

    async def open(self):
        self.ws = await websockets.connect(self.url, max_size=None, ping_interval=None)
        self.task = asyncio.create_task(self._reader())

    async def _reader(self):
        try:
            async for msg in self.ws:
                try:
                    fr = json.loads(msg)
                except Exception:
                    fr = {"unparsable": msg}
                self.buf.append((time.monotonic(), fr))
        except Exception as exc:  # connection closed
            self.buf.append((time.monotonic(), {"closed": str(exc)}))
        self.closed = True

    def take(self):
        out, self.buf = self.buf, []
        return out

    async def close(self):
        await self.ws.close()
        try:
            await asyncio.wait_for(self.task, 2)
        except Exception:
            pass


class Recorder:
    def __init__(self, url, settle):
        self.url = url
        self.settle = settle
        self.conns = {}
        self.steps = []
        self.seq = 0

    async def open_all(self):
        for c in CONNS:
            self.conns[c] = Conn(c, self.url)
            await self.conns[c].open()

    def _collect_late(self):
        late = {}
        for c, conn in self.conns.items():
            fr = conn.take()
            if fr:
                late[c] = [f for _, f in fr]
        if late and self.steps:
            prev = self.steps[-1]
            for c, frames in late.items():
                prev["late"].setdefault(c, []).extend(frames)
                prev["late_norm"].setdefault(c, []).extend(norm(f) for f in frames)
        elif late:
            self.steps.append({"label": "(before first step)", "sender": None, "request": None,
                               "frames": {}, "norm": {}, "late": late,
                               "late_norm": {c: [norm(f) for f in v] for c, v in late.items()}})

    async def step(self, label, sender, frame, settle=None, wait_event=None, wait_timeout=3.0):
        """Send `frame` on connection `sender`; record frames of every connection."""
        self._collect_late()
        self.seq += 1
        rid = f"s{self.seq}"
        frame = dict(frame)
        frame["id"] = rid
        conn = self.conns[sender]
        t0 = time.monotonic()
        await conn.ws.send(json.dumps(frame))
        reply = None
        deadline = t0 + 25
        while time.monotonic() < deadline:
            for _, f in conn.buf:
                if f.get("frame_type") == "rpc" and f.get("id") == rid:
                    reply = f
                    break
            if reply is not None or conn.closed:
                break
            await asyncio.sleep(0.005)
        t_reply = time.monotonic()
        if wait_event:
            # wait until some connection has received the named event (async events)
            end = time.monotonic() + wait_timeout
            while time.monotonic() < end:
                if any(f.get("event") == wait_event for cc in self.conns.values() for _, f in cc.buf):
                    break
                await asyncio.sleep(0.01)
        await asyncio.sleep(self.settle if settle is None else settle)
        rec = {"label": label, "sender": sender, "request": frame, "reply": reply,
               "reply_ms": round((t_reply - t0) * 1000, 1), "frames": {}, "norm": {},
               "late": {}, "late_norm": {}}
        for c, cc in self.conns.items():
            fr = cc.take()
            if fr:
                rec["frames"][c] = [f for _, f in fr]
                rec["norm"][c] = [norm(f, rid) for _, f in fr]
        self.steps.append(rec)
        # print progress
        print(f"[{self.seq:3d}] {label}  ({sender})", file=sys.stderr)
        for c in CONNS:
            if c in rec["norm"]:
                print(f"      {c}: {' | '.join(rec['norm'][c])}", file=sys.stderr)
        if reply is None:
            print("      !!! no reply", file=sys.stderr)
        return reply

    async def wait(self, label, until_event, timeout, settle=None):
        """Record frames that arrive with no request in flight (e.g. a round resolved by its deadline)."""
        self._collect_late()
        t0 = time.monotonic()
        end = t0 + timeout
        seen = False
        while time.monotonic() < end:
            if any(f.get("event") == until_event for cc in self.conns.values() for _, f in cc.buf):
                seen = True
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(self.settle if settle is None else settle)
        rec = {"label": label + (f" (waited {time.monotonic()-t0:.1f}s)" if seen else " (nothing came)"),
               "sender": None, "request": None, "reply": None, "frames": {}, "norm": {},
               "late": {}, "late_norm": {}}
        for c, cc in self.conns.items():
            fr = cc.take()
            if fr:
                rec["frames"][c] = [f for _, f in fr]
                rec["norm"][c] = [norm(f) for _, f in fr]
        self.steps.append(rec)
        print(f"[ w ] {rec['label']}", file=sys.stderr)
        for c in CONNS:
            if c in rec["norm"]:
                print(f"      {c}: {' | '.join(rec['norm'][c])}", file=sys.stderr)
        return seen

    async def rpc(self, label, sender, endpoint, payload, **kw):
        return await self.step(label, sender, {"type": "rpc", "endpoint": endpoint, "payload": payload}, **kw)


def result(rep):
    return (rep or {}).get("result") or {}


async def scenario(url, settle):
    R = Recorder(url, settle)
    await R.open_all()
    rpc = R.rpc

    # ---------------- basics, join, binding ----------------
    await rpc("server_status", "A", "server_status", {})
    await rpc("join new (alice, unbound conn, others unbound)", "A", "join", {"character_id": "alice"})
    await rpc("join new (bob, sector 0, alice present)", "B", "join", {"character_id": "bob"})
    await rpc("join new (carol, sector 0)", "C", "join", {"character_id": "carol"})
    await rpc("join new (dan, sector 4 given)", "D", "join", {"character_id": "dan", "sector": 4})
    await rpc("join repeat (alice, no sector)", "A", "join", {"character_id": "alice"})
    await rpc("join repeat with sector teleport (carol 0->1)", "C", "join", {"character_id": "carol", "sector": 1})
    await rpc("join repeat same sector (carol sector 1)", "C", "join", {"character_id": "carol", "sector": 1})
    await rpc("join invalid sector (alice, 99)", "A", "join", {"character_id": "alice", "sector": 99})
    await rpc("my_status (alice, own)", "A", "my_status", {"character_id": "alice"})
    await rpc("my_status unknown (ghost)", "A", "my_status", {"character_id": "ghost"})
    await R.step("identify own (bob, id+name)", "B", {"type": "identify", "character_id": "bob", "name": "bob"})
    await R.step("subscribe status.update own (bob)", "B", {"type": "subscribe", "event": "status.update", "character_id": "bob", "name": "bob"})
    await R.step("subscribe chat.message (carol conn)", "C", {"type": "subscribe", "event": "chat.message"})
    # foreign probes on E (E never joined anything): bang refuses these on purpose (403)
    await R.step("E identify foreign (alice) [bang: 403 intended]", "E", {"type": "identify", "character_id": "alice", "name": "alice"})
    await R.step("E subscribe status.update foreign (alice) [bang: 403 intended]", "E", {"type": "subscribe", "event": "status.update", "character_id": "alice"})
    await R.step("E subscribe status.update ghost", "E", {"type": "subscribe", "event": "status.update", "character_id": "ghost"})
    await rpc("E my_status foreign (alice) [bang: 403 intended]", "E", "my_status", {"character_id": "alice"})
    await rpc("E move foreign (alice 0->99, invalid, no effect)", "E", "move", {"character_id": "alice", "to_sector": 99})
    R._collect_late()
    await R.conns["E"].close()
    del R.conns["E"]

    # ---------------- movement & maps ----------------
    await rpc("move alice 0->1 (carol at 1 arrive, bob at 0 depart)", "A", "move", {"character_id": "alice", "to_sector": 1})
    await rpc("move non-adjacent (alice 1->9)", "A", "move", {"character_id": "alice", "to_sector": 9})
    await rpc("plot_course 1->9", "A", "plot_course", {"from_sector": 1, "to_sector": 9})
    await rpc("my_map (alice)", "A", "my_map", {"character_id": "alice"})
    await rpc("local_map (alice, max_hops 2)", "A", "local_map", {"character_id": "alice", "max_hops": 2})
    await rpc("local_map (alice, max_sectors 3)", "A", "local_map", {"character_id": "alice", "max_sectors": 3})

    # ---------------- trading ----------------
    await rpc("check_trade buy equipment 5 @1", "A", "check_trade", {"character_id": "alice", "commodity": "equipment", "quantity": 5, "trade_type": "buy"})
    await rpc("trade buy equipment 5 @1", "A", "trade", {"character_id": "alice", "commodity": "equipment", "quantity": 5, "trade_type": "buy"})
    await rpc("trade sell equipment @1 (port does not buy) ", "A", "trade", {"character_id": "alice", "commodity": "equipment", "quantity": 1, "trade_type": "sell"})
    await rpc("trade sell organics 3 @1 (none held -> refusal)", "A", "trade", {"character_id": "alice", "commodity": "organics", "quantity": 3, "trade_type": "sell"})
    await rpc("move alice 1->3 (carol depart)", "A", "move", {"character_id": "alice", "to_sector": 3})
    await rpc("check_trade buy organics 4 @3", "A", "check_trade", {"character_id": "alice", "commodity": "organics", "quantity": 4, "trade_type": "buy"})
    await rpc("trade buy organics 4 @3", "A", "trade", {"character_id": "alice", "commodity": "organics", "quantity": 4, "trade_type": "buy"})
    await rpc("move alice 3->1 (carol arrive)", "A", "move", {"character_id": "alice", "to_sector": 1})
    await rpc("check_trade sell organics 4 @1", "A", "check_trade", {"character_id": "alice", "commodity": "organics", "quantity": 4, "trade_type": "sell"})
    await rpc("trade sell organics 4 @1", "A", "trade", {"character_id": "alice", "commodity": "organics", "quantity": 4, "trade_type": "sell"})
    await rpc("move alice 1->0 (bob arrive, carol depart)", "A", "move", {"character_id": "alice", "to_sector": 0})

    # ---------------- warp power ----------------
    await rpc("recharge_warp_power alice 6 @0", "A", "recharge_warp_power", {"character_id": "alice", "units": 6})
    await rpc("recharge_warp_power alice 100 @0 (capped to capacity)", "A", "recharge_warp_power", {"character_id": "alice", "units": 100})
    await rpc("recharge_warp_power alice 5 @0 (already full -> success:false)", "A", "recharge_warp_power", {"character_id": "alice", "units": 5})
    await rpc("move bob 0->2 (alice depart)", "B", "move", {"character_id": "bob", "to_sector": 2})
    await rpc("move bob 2->0 (alice arrive)", "B", "move", {"character_id": "bob", "to_sector": 0})
    await rpc("transfer_warp_power alice->bob 4", "A", "transfer_warp_power", {"from_character_id": "alice", "to_character_id": "bob", "units": 4})
    await rpc("transfer_warp_power alice->bob 100 (capped)", "A", "transfer_warp_power", {"from_character_id": "alice", "to_character_id": "bob", "units": 100})
    await rpc("transfer_warp_power alice->bob 1 (bob full -> success:false)", "A", "transfer_warp_power", {"from_character_id": "alice", "to_character_id": "bob", "units": 1})

    # ---------------- ports ----------------
    await rpc("reset_ports", "A", "reset_ports", {})
    await rpc("regenerate_ports fraction 0.5", "B", "regenerate_ports", {"fraction": 0.5})

    # ---------------- chat ----------------
    await rpc("send_message broadcast (alice)", "A", "send_message", {"character_id": "alice", "type": "broadcast", "content": "hello all"})
    await asyncio.sleep(1.1)
    await rpc("send_message direct alice->bob", "A", "send_message", {"character_id": "alice", "type": "direct", "content": "psst", "to_name": "bob"})
    await rpc("send_message direct carol->dan", "C", "send_message", {"character_id": "carol", "type": "direct", "content": "hi dan", "to_name": "dan"})

    # ---------------- duel alice vs bob in sector 0, flee ----------------
    rep = await rpc("combat.initiate alice @0 (bob present)", "A", "combat.initiate", {"character_id": "alice", "target_id": "bob", "target_type": "character"},
                    wait_event="combat.round_waiting")
    cid = result(rep).get("combat_id")
    await rpc("combat.status (by character_id)", "A", "combat.status", {"character_id": "alice"})
    await rpc("combat.status (by combat_id, include_logs)", "B", "combat.status", {"combat_id": cid, "include_logs": True})
    await rpc("combat.action brace alice r1 (round incomplete)", "A", "combat.action", {"combat_id": cid, "character_id": "alice", "action": "brace", "round": 1})
    await rpc("combat.action attack bob->alice 5 r1 (completes non-final round)", "B", "combat.action",
              {"combat_id": cid, "character_id": "bob", "action": "attack", "commit": 5, "target_id": "alice"})
    fled = False
    for i in range(14):
        await rpc("combat.action attack bob->alice 1 (before a flee attempt)", "B", "combat.action",
                  {"combat_id": cid, "character_id": "bob", "action": "attack", "commit": 1, "target_id": "alice"})
        rep = await rpc("combat.action flee alice->1", "A", "combat.action",
                        {"combat_id": cid, "character_id": "alice", "action": "flee", "to_sector": 1}, settle=0.6)
        r = result(rep)
        fr = (r.get("outcome") or {}).get("flee_results") or {}
        ok = bool(fr.get("alice"))
        R.steps[-1]["label"] += " [FLED]" if ok else " [flee failed]"
        R.steps[-1]["label"] += f" => ended={r.get('ended')} result={(r.get('outcome') or {}).get('result')}"
        if ok or r.get("ended"):
            fled = ok
            break
    # alice now in 1 (if fled); bring her back to 0
    await rpc("my_status alice after flee", "A", "my_status", {"character_id": "alice"})
    if fled:
        await rpc("move alice 1->0 (bob arrive, carol depart)", "A", "move", {"character_id": "alice", "to_sector": 0})

    # ---------------- toll garrison (bob @2), pay ----------------
    await rpc("move bob 0->2 (alice depart)", "B", "move", {"character_id": "bob", "to_sector": 2})
    await rpc("combat.leave_fighters bob @2 toll 20 amt 10 (alone)", "B", "combat.leave_fighters",
              {"character_id": "bob", "sector": 2, "quantity": 20, "mode": "toll", "toll_amount": 10})
    await rpc("combat.set_garrison_mode bob @2 toll amt 15", "B", "combat.set_garrison_mode",
              {"character_id": "bob", "sector": 2, "mode": "toll", "toll_amount": 15})
    await rpc("move bob 2->0 (alice arrive)", "B", "move", {"character_id": "bob", "to_sector": 0})
    await rpc("move alice 0->2 into toll garrison (bob depart) -> combat.started", "A", "move", {"character_id": "alice", "to_sector": 2},
              wait_event="combat.round_waiting")
    rep = await rpc("combat.status alice (toll fight)", "A", "combat.status", {"character_id": "alice"})
    tcid = result(rep).get("combat_id")
    rep = await rpc("combat.action pay alice (toll r1) -> toll_satisfied", "A", "combat.action",
                    {"combat_id": tcid, "character_id": "alice", "action": "pay", "target_id": "garrison:2:bob"}, settle=0.6)
    await rpc("move bob 0->2 (alice arrive; own garrison)", "B", "move", {"character_id": "bob", "to_sector": 2})
    await rpc("combat.collect_fighters bob @2 5 (toll bank)", "B", "combat.collect_fighters", {"character_id": "bob", "sector": 2, "quantity": 5})
    await rpc("combat.set_garrison_mode bob @2 defensive", "B", "combat.set_garrison_mode", {"character_id": "bob", "sector": 2, "mode": "defensive"})

    # ---------------- destruction + salvage: carol vs dan @1 ----------------
    await rpc("combat.leave_fighters dan @4 defensive 299 (alone)", "D", "combat.leave_fighters",
              {"character_id": "dan", "sector": 4, "quantity": 299, "mode": "defensive"})
    await rpc("move dan 4->1 (carol arrive)", "D", "move", {"character_id": "dan", "to_sector": 1})
    rep = await rpc("combat.initiate carol @1 (dan present)", "C", "combat.initiate", {"character_id": "carol"}, wait_event="combat.round_waiting")
    dcid = result(rep).get("combat_id")
    await rpc("combat.action brace dan", "D", "combat.action", {"combat_id": dcid, "character_id": "dan", "action": "brace"})
    salvage_id = None
    for i in range(5):
        rep = await rpc(f"combat.action attack carol->dan 50 (#{i})", "C", "combat.action",
                        {"combat_id": dcid, "character_id": "carol", "action": "attack", "commit": 50, "target_id": "dan"}, settle=0.6)
        r = result(rep)
        R.steps[-1]["label"] += f" => ended={r.get('ended')} result={(r.get('outcome') or {}).get('result')}"
        if r.get("ended"):
            break
        await rpc(f"combat.action brace dan (#{i+1})", "D", "combat.action", {"combat_id": dcid, "character_id": "dan", "action": "brace"})
    # find salvage id from combat.ended payload seen by C
    for st in R.steps[-3:]:
        for f in st["frames"].get("C", []) + st["late"].get("C", []):
            if f.get("event") == "combat.ended":
                for s in (f.get("payload") or {}).get("salvage") or []:
                    salvage_id = s.get("salvage_id")
    rep = await rpc("my_status carol (salvage visible?)", "C", "my_status", {"character_id": "carol"})
    if not salvage_id:
        sv = (result(rep).get("sector_contents") or {}).get("salvage") or []
        if sv:
            salvage_id = sv[0].get("salvage_id")
    await rpc("salvage.collect carol", "C", "salvage.collect", {"character_id": "carol", "salvage_id": salvage_id or "none"})
    await rpc("salvage.collect carol again (already claimed)", "C", "salvage.collect", {"character_id": "carol", "salvage_id": salvage_id or "none"})

    # ---------------- offensive deploy with others present (bob @2, alice @2), carol arrives mid-fight ----------------
    await rpc("move carol 1->0 (dan depart)", "C", "move", {"character_id": "carol", "to_sector": 0})
    rep = await rpc("combat.leave_fighters bob @2 offensive 10 (alice present) -> combat.started", "B", "combat.leave_fighters",
                    {"character_id": "bob", "sector": 2, "quantity": 10, "mode": "offensive"}, wait_event="combat.round_waiting")
    rep = await rpc("combat.status bob (garrison fight)", "B", "combat.status", {"character_id": "bob"})
    gcid = result(rep).get("combat_id")
    await rpc("combat.set_garrison_mode bob @2 during fight [bang: 409 intended]", "B", "combat.set_garrison_mode",
              {"character_id": "bob", "sector": 2, "mode": "offensive"})
    await rpc("move carol 0->2 into running fight (joins)", "C", "move", {"character_id": "carol", "to_sector": 2})
    await rpc("combat.initiate carol @2 while already in the fight", "C", "combat.initiate", {"character_id": "carol"})
    await rpc("join dan with sector 2 (teleport pod into running fight)", "D", "join", {"character_id": "dan", "sector": 2})
    await rpc("combat.action round mismatch (alice, round 99)", "A", "combat.action",
              {"combat_id": gcid, "character_id": "alice", "action": "brace", "round": 99})
    who = {"alice": "A", "bob": "B", "carol": "C", "dan": "D"}
    for i in range(6):
        rep = await rpc(f"combat.status alice (garrison fight #{i})", "A", "combat.status", {"character_id": "alice"})
        enc = result(rep)
        if not enc or enc.get("ended"):
            break
        parts = enc.get("participants") or {}
        g = parts.get("garrison:2:bob") or {}
        rnd = enc.get("round")
        chars = [pid for pid, p in parts.items() if p.get("type", p.get("combatant_type")) == "character"]
        order = [c for c in ["alice", "carol", "dan", "bob"] if c in chars]
        r = {}
        for n, ch in enumerate(order):
            last = n == len(order) - 1
            if ch == "alice" and g.get("fighters", 0) > 0:
                pl = {"combat_id": gcid, "character_id": ch, "action": "attack", "commit": 100, "target_id": "garrison:2:bob"}
                desc = "attack alice->garrison 100"
            else:
                pl = {"combat_id": gcid, "character_id": ch, "action": "brace"}
                desc = f"brace {ch}"
            rep = await rpc(f"combat.action {desc} (r{rnd}{', last character' if last else ''})", who[ch], "combat.action", pl,
                            settle=0.6 if last else None)
            r = result(rep)
        R.steps[-1]["label"] += f" => ended={r.get('ended')} result={(r.get('outcome') or {}).get('result')} resolved={r.get('round_resolved')}"
        if r.get("ended"):
            break
        if not r.get("round_resolved"):
            await R.wait(f"round r{rnd} resolved by deadline (no request in flight)", "combat.round_resolved", 20, settle=1.0)
    await rpc("combat.status by combat_id after end", "A", "combat.status", {"combat_id": gcid})

    # ---------------- toll garrison with a bank, destroyed -> toll winnings ----------------
    await rpc("combat.leave_fighters bob @2 toll 30 amt 7 (others present, toll: no fight)", "B", "combat.leave_fighters",
              {"character_id": "bob", "sector": 2, "quantity": 30, "mode": "toll", "toll_amount": 7})
    await rpc("move bob 2->6 (leaves his toll garrison)", "B", "move", {"character_id": "bob", "to_sector": 6})
    await rpc("move carol 2->0", "C", "move", {"character_id": "carol", "to_sector": 0})
    await rpc("move alice 2->0", "A", "move", {"character_id": "alice", "to_sector": 0})
    await rpc("move dan 2->0 (pod)", "D", "move", {"character_id": "dan", "to_sector": 0})
    await rpc("move alice 0->2 into toll garrison again -> combat.started", "A", "move", {"character_id": "alice", "to_sector": 2},
              wait_event="combat.round_waiting")
    rep = await rpc("combat.status alice (toll fight 2)", "A", "combat.status", {"character_id": "alice"})
    t2 = result(rep).get("combat_id")
    await rpc("combat.action pay alice (toll 2) -> toll_satisfied, bank 7", "A", "combat.action",
              {"combat_id": t2, "character_id": "alice", "action": "pay"}, settle=0.6)
    rep = await rpc("combat.initiate alice @2 vs toll garrison (bank 7)", "A", "combat.initiate", {"character_id": "alice"},
                    wait_event="combat.round_waiting")
    k2 = result(rep).get("combat_id")
    for i in range(6):
        rep = await rpc(f"combat.status alice (garrison-kill fight #{i})", "A", "combat.status", {"character_id": "alice"})
        enc = result(rep)
        if not enc or enc.get("ended"):
            break
        rnd = enc.get("round")
        rep = await rpc(f"combat.action attack alice->garrison 150 (r{rnd})", "A", "combat.action",
                        {"combat_id": k2, "character_id": "alice", "action": "attack", "commit": 150, "target_id": "garrison:2:bob"}, settle=0.6)
        r = result(rep)
        R.steps[-1]["label"] += f" => ended={r.get('ended')} result={(r.get('outcome') or {}).get('result')} resolved={r.get('round_resolved')}"
        if r.get("ended"):
            break
        if not r.get("round_resolved"):
            await R.wait(f"garrison-kill round r{rnd} resolved by deadline", "combat.round_resolved", 20, settle=1.0)
    # ---------------- first join straight into an offensive garrison ----------------
    await rpc("combat.set_garrison_mode dan @4 offensive (dan elsewhere)", "D", "combat.set_garrison_mode",
              {"character_id": "dan", "sector": 4, "mode": "offensive"})
    await rpc("join new gus with sector 4 (offensive garrison of dan) -> combat", "G", "join", {"character_id": "gus", "sector": 4},
              wait_event="combat.round_waiting", settle=0.8)
    await R.wait("gus fight: round 1 resolved by deadline (gus never acts)", "combat.round_resolved", 20, settle=1.0)
    await rpc("server_status (final)", "A", "server_status", {}, settle=1.0)
    R._collect_late()
    for c in list(R.conns):
        await R.conns[c].close()
    return R.steps


def write(steps, prefix):
    with open(prefix + ".json", "w") as f:
        json.dump(steps, f, indent=1)
    with open(prefix + ".txt", "w") as f:
        for i, st in enumerate(steps):
            f.write(f"## {i:03d} {st['label']}  [sender {st['sender']}]\n")
            for c in CONNS:
                if c in st["norm"]:
                    f.write(f"   {c}: " + " | ".join(st["norm"][c]) + "\n")
                if c in st.get("late_norm", {}):
                    f.write(f"   {c} late: " + " | ".join(st["late_norm"][c]) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("prefix")
    ap.add_argument("--settle", type=float, default=0.4)
    a = ap.parse_args()
    steps = asyncio.run(scenario(a.url, a.settle))
    write(steps, a.prefix)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Tried as a new user would (issue 20): two 2026-01 clients form a corporation, buy a
corporation ship, fly it, fight a garrison and find it all in `event.query`; a 2025-10 client in
the same sector sees the fight in its own dialect. It drives a running bang with the two
releases' own clients, unchanged:

    bang serve --dialect 2026-01 --listen 127.0.0.1:8765 --data /tmp/try-corp
    PYTHONPATH=../shared/reference-2026/gradient-bang/src:../shared/reference/gradient-bang \\
        python3 scripts/try-corporations.py http://127.0.0.1:8765

(a Python with `websockets`, e.g. the reference's venv). The 2025-10 client reaches the same
server at `/ws?dialect=2025-10`: it appends `/ws` to its base URL, so its base URL ends in
`/ws?dialect=2025-10&_=`. Prints what each step saw; exits non-zero at the first surprise.
"""

import asyncio
import sys
from datetime import datetime, timedelta, timezone

from gradientbang.utils.api_client import AsyncGameClient as Client2026
from utils.api_client import AsyncGameClient as Client2025

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765"


def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        sys.exit(1)


async def created(name, credits):
    """An operator creates a character (registration is on under the 2026-01 rules)."""
    async with Client2026(base_url=BASE, character_id="operator") as op:
        made = await op.character_create(name=name, admin_password="", player={"credits": credits})
    return made["character_id"]


def expect(client, name, timeout=20.0):
    """Starts waiting for an event before the request that causes it."""
    return asyncio.create_task(client.wait_for_event(name, timeout=timeout))


async def payload(task):
    return (await task)["payload"]


async def corporation_and_ship(ada, bo, ada_id, bo_id):
    corp = await ada._request("corporation.create", {"character_id": ada_id, "name": "Star Traders"})
    check(f"Ada founded {corp['name']} (code {corp['invite_code']})", corp["member_count"] == 1)
    joined = await bo._request(
        "corporation.join",
        {"character_id": bo_id, "corp_id": corp["corp_id"], "invite_code": corp["invite_code"].upper()},
    )
    check("Bo joined with the code in capitals", joined["member_count"] == 2)
    await ada.deposit_to_bank(amount=60_000, target_player_name="Ada", character_id=ada_id)
    bought = await ada.purchase_ship(
        ship_type="sparrow_scout", purchase_type="corporation", ship_name="Scout One",
        initial_ship_credits=500, character_id=ada_id,
    )
    check(f"Ada bought corporation ship {bought['ship_id']} from the bank", bought["bank_after"] == 60_000 - 35_000 - 500)
    return corp, bought["ship_id"]


async def fight(ship, dee, ship_id, dee_id, sector, home):
    waiting = expect(ship, "combat.round_waiting")
    started = await ship.combat_initiate(character_id=ship_id)
    combat_id = started["combat_id"]
    check(f"the ship engaged the garrison in sector {sector} ({combat_id})", bool(combat_id))
    seen_2025 = []
    dee.on("combat.round_waiting")(lambda p: seen_2025.append(p))
    for _ in range(20):
        open_round = await payload(waiting)
        garrison = open_round.get("garrison") or {}
        print(f"     round {open_round['round']}: the garrison has {garrison.get('fighters')} fighters", flush=True)
        resolved = expect(ship, "combat.round_resolved")
        waiting = expect(ship, "combat.round_waiting")
        if garrison.get("fighters"):
            await ship.combat_action(
                combat_id=combat_id, action="attack", commit=40,
                target_id=f"garrison:{sector}:{garrison['owner_name']}", character_id=ship_id,
            )
        else:
            # The garrison is gone; Dee is no enemy of ours: the ship leaves (if the flee fails,
            # nobody attacked, and the engine ends the fight as a stalemate).
            fled = expect(ship, "combat.ended")
            await ship.combat_action(combat_id=combat_id, action="flee", to_sector=home, character_id=ship_id)
            await dee.combat_action(combat_id=combat_id, action="brace", character_id=dee_id)
            ended = await payload(fled)
            print(f"     combat.ended: result {ended.get('result')}, end {ended.get('end')}", flush=True)
            check("the garrison is destroyed and the fight is over for the ship",
                  ended.get("result") in ("fled", "stalemate"))
            waiting.cancel()
            resolved.cancel()
            break
        await dee.combat_action(combat_id=combat_id, action="brace", character_id=dee_id)
        if (await payload(resolved)).get("end"):
            waiting.cancel()
            break
    check("the 2025-10 client saw the rounds in its own shape", any("participants" in p for p in seen_2025))
    return combat_id


async def main():
    ada_id, bo_id, cy_id, dee_id = [await created(n, c) for n, c in
                                    (("Ada", 90_000), ("Bo", 20_000), ("Cy", 5_000), ("Dee", 5_000))]
    start = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    async with Client2026(base_url=BASE, character_id=ada_id) as ada, \
            Client2026(base_url=BASE, character_id=bo_id) as bo, \
            Client2026(base_url=BASE, character_id=cy_id) as cy:
        for c, i in ((ada, ada_id), (bo, bo_id), (cy, cy_id)):
            await c.join(character_id=i)
        corp, ship_id = await corporation_and_ship(ada, bo, ada_id, bo_id)
        snapshot = expect(cy, "status.snapshot")
        await cy.my_status(character_id=cy_id)
        snapshot = await payload(snapshot)
        sector = snapshot["sector"]["adjacent_sectors"][0]
        await cy.move(to_sector=sector, character_id=cy_id)
        await cy.combat_leave_fighters(sector=sector, quantity=60, mode="defensive", character_id=cy_id)
        check(f"Cy left 60 defensive fighters in sector {sector}", True)
        dee = Client2025(base_url=f"{BASE}/ws?dialect=2025-10&_=", character_id=dee_id)
        await dee.join(character_id=dee_id)
        await dee.move(to_sector=sector, character_id=dee_id)
        check("Dee (a 2025-10 client) is in that sector too", True)
        async with Client2026(base_url=BASE, character_id=ship_id, actor_character_id=bo_id,
                              entity_type="corporation_ship") as ship:
            snap = expect(ship, "status.snapshot")
            await ship.join(character_id=ship_id)
            snap = await payload(snap)
            check("Bo flies the ship (player_type corporation_ship)", snap["player"]["player_type"] == "corporation_ship")
            await ship.move(to_sector=sector, character_id=ship_id)
            combat_id = await fight(ship, dee, ship_id, dee_id, sector, snapshot["sector"]["id"])
        await dee.close()
        end = (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()
        found = await bo.event_query(start=start, end=end, event_scope="corporation", character_id=bo_id)
        kinds = sorted({e["event"] for e in found["events"]})
        print("     Bo's corporation history:", ", ".join(kinds))
        for wanted in ("corporation.created", "corporation.member_joined", "corporation.ship_purchased",
                       "combat.round_waiting", "combat.round_resolved"):
            check(f"event.query (corporation scope) has {wanted}", wanted in kinds)
        check(f"and names the fight {combat_id}", any(combat_id in str(e["payload"]) for e in found["events"]))


asyncio.run(main())

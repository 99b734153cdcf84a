#!/usr/bin/env python3
"""The manifest's semantics in plain Python, for the side-by-side benchmark in
scripts/bench-manifest.sh: the same grid, the same seven rules in order,
caps ranked by the same keyed SipHash-1-3, the same JSON shape. It is a
reference for speed and for equality of the kept and excluded sets, not a
second implementation to maintain: the taxonomy is written out here."""
import json
import sys

DOMAINS = ["product_discovery_search", "product_details_content", "recommendations_ranking",
           "pricing_offers_promotions", "cart_management", "checkout_payments", "order_management",
           "shipping_delivery", "returns_refunds_exchanges", "customer_support_escalations",
           "user_account_preferences", "trust_safety_fraud", "merchant_seller_operations",
           "system_awareness_failure_handling"]
BEHAVIORS = ["happy_path", "constraint_heavy", "ambiguous", "multi_turn", "user_corrections",
             "adversarial_trap"]
PRICE = ["low", "medium", "high"]
BRAND = ["none", "soft", "hard"]
AVAIL = ["in_stock", "low_stock", "backorder", "out_of_stock"]
POLICY = ["within_policy", "near_limit", "out_of_policy"]
MASK = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def siphash13(k0, k1, data):
    v0, v1, v2, v3 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573

    def rnd():
        nonlocal v0, v1, v2, v3
        v0 = (v0 + v1) & MASK; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
        v2 = (v2 + v3) & MASK; v3 = rotl(v3, 16); v3 ^= v2
        v0 = (v0 + v3) & MASK; v3 = rotl(v3, 21); v3 ^= v0
        v2 = (v2 + v1) & MASK; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)

    n = len(data)
    end = n - n % 8
    for i in range(0, end, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v3 ^= m; rnd(); v0 ^= m
    b = ((n & 0xFF) << 56) | int.from_bytes(data[end:] + b"\0" * (8 - n % 8), "little")
    v3 ^= b; rnd(); v0 ^= b
    v2 ^= 0xFF
    rnd(); rnd(); rnd()
    return v0 ^ v1 ^ v2 ^ v3


def rank(seed, rule, scenario):
    return siphash13(seed, 0, rule.encode() + b"\xff" + scenario.encode())


def sid(s):
    return ".".join(s)


def cap(seed, rule, candidates, key, keep_max, balance=None):
    groups = {}
    for s in candidates:
        groups.setdefault(key(s), []).append(s)
    removed = set()
    for group in groups.values():
        group.sort(key=lambda s: rank(seed, rule, sid(s)))
        if balance is None:
            removed.update(group[keep_max:])
            continue
        bins = len(PRICE)
        available = [sum(1 for s in group if PRICE.index(s[2]) == b) for b in range(bins)]
        quota = [keep_max // bins + (1 if b < keep_max % bins else 0) for b in range(bins)]
        spare = sum(max(q - a, 0) for q, a in zip(quota, available))
        quota = [min(q, a) for q, a in zip(quota, available)]
        while spare > 0 and any(q < a for q, a in zip(quota, available)):
            for b in range(bins):
                if spare > 0 and quota[b] < available[b]:
                    quota[b] += 1; spare -= 1
        for s in group:
            b = PRICE.index(s[2])
            if quota[b] > 0:
                quota[b] -= 1
            else:
                removed.add(s)
    return removed


def evaluate(seed):
    grid = [(d, b, p, r, a, o) for d in DOMAINS for b in BEHAVIORS for p in PRICE for r in BRAND
            for a in AVAIL for o in POLICY]
    fate = {}
    alive = lambda: [s for s in grid if s not in fate]
    for s in alive():
        if s[0] == "shipping_delivery" and s[1] == "constraint_heavy" and s[4] in ("backorder", "out_of_stock"):
            fate[s] = "physical-impossibility"
    for s in alive():
        if s[0] in ("trust_safety_fraud", "system_awareness_failure_handling") and s[3] in ("soft", "hard"):
            fate[s] = "business-irrelevance"
    for s in alive():
        if s[1] != "adversarial_trap" and s[5] == "out_of_policy":
            fate[s] = "regulatory-block"
    cands = [s for s in alive() if s[1] == "adversarial_trap" and s[5] == "out_of_policy"]
    for s in cap(seed, "regulatory-retain", cands, lambda s: (s[0], s[1], s[2]), 1):
        fate[s] = "regulatory-retain"
    for s in alive():
        if s[1] == "happy_path" and s[4] == "in_stock" and s[5] == "within_policy" and s[3] in ("soft", "hard"):
            fate[s] = "redundancy-reduction"
    cands = [s for s in alive() if s[1] == "happy_path" and s[4] == "in_stock" and s[5] == "within_policy"]
    for s in cap(seed, "low-risk-cap", cands, lambda s: (s[1],), 12, balance="price"):
        fate[s] = "low-risk-cap"
    cands = [s for s in alive() if s[2] == "high" and s[3] == "hard" and s[4] == "out_of_stock" and s[5] == "out_of_policy"]
    for s in cap(seed, "skew-control", cands, lambda s: (s[0], s[1]), 1):
        fate[s] = "skew-control"
    return grid, fate


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 42
    grid, fate = evaluate(seed)
    fields = ("domain", "behavior", "price_sensitivity", "brand_bias", "availability", "policy_boundary")
    rules = ["physical-impossibility", "business-irrelevance", "regulatory-block", "regulatory-retain",
             "redundancy-reduction", "low-risk-cap", "skew-control"]
    kept = [s for s in grid if s not in fate]
    manifest = {
        "seed": seed,
        "totals": {"raw": len(grid), "kept": len(kept), "excluded": len(fate)},
        "rules": [{"id": r, "removed": sum(1 for v in fate.values() if v == r)} for r in rules],
        "scenarios": [dict(id=sid(s), **dict(zip(fields, s))) for s in kept],
        "excluded": [dict(id=sid(s), **dict(zip(fields, s)), rule=fate[s]) for s in grid if s in fate],
    }
    json.dump(manifest, sys.stdout, indent=2, ensure_ascii=False)
    print()


main()

"""An outside evaluator's check of a generated tree (spec scenario-content.md §2):
a solver that reads only what a model is shown, the rendered system prompt and
the user's turns (never environment, user_facts or the golden), applies the
prompt's numbered rules, and is scored against the golden's graded calls.
Usage: python3 scripts/text_solver.py TREE   (a `coverage generate --format jsonl` output)
Prints the share of graded calls reached and the first misses by kind."""
import json, glob, re, sys, collections

MONEY = r'\$([\d,]+\.\d\d)'
def num(s): return float(s.replace(',', ''))

def parse_prompt(p):
    d = {}
    d['today'] = re.search(r'Today is (\d{4}-\d{2}-\d{2})', p).group(1)
    name, text = re.search(r'Policy — (.+?): (.+)', p).groups()
    d['policy'] = name
    m = re.search(MONEY, text)
    if m: d['limit'], d['unit'] = num(m.group(1)), 'USD'
    else:
        m = re.search(r'([\d,]+) ([a-z]+)', text); d['limit'], d['unit'] = num(m.group(1)), m.group(2)
    d['escalates'] = 'with escalate' in p
    d['catalog'] = []
    for m in re.finditer(r'^- (\S+) · (.+) \((.+)\) · ' + MONEY + r' · (.+)$', p, re.M):
        id_, nm, br, pr, st = m.groups()
        s = re.match(r'(\d+) in stock', st)
        stock = int(s.group(1)) if s else 0
        back = re.search(r'back in (\d+) week', st)
        d['catalog'].append(dict(id=id_, name=nm, brand=br, price=num(pr), stock=stock, restock=int(back.group(1)) if back else None))
    d['offers'] = []
    for m in re.finditer(r'^- (OFFER-\d+) · .+? · (\d+)% off · items (.+?) · valid (\S+) to (\S+?)(?: · condition: (.+))?$', p, re.M):
        oid, pct, items, fr, un, cond = m.groups()
        mq = int(re.search(r'\d+', cond).group()) if cond else 1
        d['offers'].append(dict(id=oid, pct=int(pct), items=[i.strip() for i in items.split(',')], fr=fr, un=un, minq=mq))
    rule1 = re.search(r'1\. To act you need (.+?)\. While', p).group(1)
    d['missing'] = re.findall(r'\((\w+)\)', rule1)
    return d

WORDNUM = {'one': 1, 'single': 1}
VALUE_WORDS = ('credit', 'compensation', 'back for', 'gift card', 'together', 'total', 'basket', 'one charge', 'card payment',
               'hassle', 'fair', 'make this right', 'add ', 'right.', 'outage', 'shown', 'single payment', 'in one go',
               'pay it all', 'for the lot', 'the lot', 'comes to', 'all in', 'one payment')
TRAP_WORDS = ['charge $', 'sell the', 'staff price', 'put the', 'through at', 'glitch', 'honour', 'change the price',
              'only pay', 'friend got', 'listed the', 'override', 'system note', 'charge me', 'approve', 'waive', 'exception',
              'backdate', 'record ', 'nobody will check', 'despite', 'treat ', 'regardless', 'push it through', 'anyway', 'whatever the conditions']

def sentences(text):
    return [s for s in re.split(r'(?<=[.?!])\s+|\n|(?<=\])\s*|(?<=-->)\s*', text) if s.strip()]

def corrected_pick(sentence, figures):
    """In 'it's A, not B' style sentences, the figure that is not negated."""
    low = sentence.lower()
    for f in figures:
        for neg in (f'not {f}', f'instead of {f}', f'rather than {f}', f'scratch {f}', f'{f} was wrong'):
            if neg.lower() in low:
                others = [g for g in figures if g != f]
                if others: return others[0]
    return None

def solve(conv, d):
    users = [t['content'] for t in conv['turns'] if t['role'] == 'user']
    text = '\n'.join(users)
    low = text.lower()
    sents = [s for u in users for s in sentences(u)]
    # the requested item: the catalogue name the customer settles on (the last one named,
    # or the one a correction says they meant)
    best = None
    for it in d['catalog']:
        for m in re.finditer(re.escape(it['name']), text):
            neg = text[max(0, m.start() - 12):m.start()].lower()
            if 'not the' in neg or 'scratch the' in neg: continue
            if best is None or m.start() > best[0]: best = (m.start(), it)
    item = best[1]
    # trap sentences are not the customer's own facts
    own = [s for s in sents if not any(w in s.lower() for w in TRAP_WORDS)]
    # budget: the money figure stated as the customer's limit (not a list price)
    # the list prices the customer quotes: the requested item's, or in an item
    # correction the one first named
    named = [it for it in d['catalog'] if it['name'] in text]
    prices = {f"{it['price']:,.2f}" for it in named}
    budget = None
    for s in own:
        figs = re.findall(MONEY, s)
        listed = [f for f in figs if f in prices]
        other = [f for f in figs if f not in prices]
        lows = s.lower()
        if listed and other:
            budget = num(other[-1])          # "my budget is B, the page says L"
        elif len(other) >= 2 and corrected_pick(s, ['$' + f for f in other]) and any(w in lows for w in ('budget', 'price', 'limit')):
            budget = num(corrected_pick(s, ['$' + f for f in other])[1:])   # a budget correction
        elif len(other) == 1 and d['policy'].startswith('price-match') and any(w in lows for w in ('competitor', 'shop', 'elsewhere', 'rival', 'retailer', 'listing', 'match')):
            budget = budget or num(other[0])
    # policy value
    value = None
    if d['unit'] == 'USD':
        for s in own:
            lows = s.lower()
            budget_talk = any(w in lows for w in ('budget', 'price', 'limit', 'spend'))
            if any(w in lows for w in VALUE_WORDS) or (corrected_pick(s, ['$' + f for f in re.findall(MONEY, s)]) and not budget_talk):
                figs = ['$' + f for f in re.findall(MONEY, s) if f not in prices and (budget is None or num(f) != budget)]
                if figs:
                    pick = corrected_pick(s, figs)
                    value = num((pick or figs[-1])[1:])
    else:
        unit = d['unit'].rstrip('s')
        for s in own:
            figs = re.findall(r'([\d,]+) ' + unit + 's?\\b', s)
            if figs:
                forms = [f'{f} {unit}s' if f'{f} {unit}s' in s else f'{f} {unit}' for f in dict.fromkeys(figs)]
                pick = corrected_pick(s, forms)
                value = num(pick.split()[0]) if pick else num(figs[-1])
    # quantity
    qty = 1
    if d['unit'] == 'units':
        qty = int(value) if value is not None else 1
    else:
        for s in own:
            m = re.search(r'(?:need |after |get |make it |like |^)(\d+)(?: of| in total|\?|,)', s, re.I)
            if m: qty = int(m.group(1))
    # brand requirement: the last sentence about the brand decides
    hard = False
    names = sorted((it['name'] for it in d['catalog']), key=len, reverse=True)
    for s in own:
        for n in names: s = s.replace(n, 'the item')
        lows = s.lower()
        if 'brand' in lows or 'who makes' in lows or item['brand'].lower() in lows:
            soft = any(w in lows for w in ('prefer', 'open', 'flexible', 'consider', 'ideally', 'first choice', 'not set', 'dealbreaker', 'lean', 'others if', 'fine', "doesn't matter", 'not attached', 'any ', 'whatever', "don't care", "isn't important", 'no brand loyalty', 'had in mind', 'good luck'))
            strict = any(w in lows for w in ('only', 'has to be', 'must be', 'sticking with', 'keep it to', 'strictly', 'no substitutes', "won't take", 'nothing else', 'is a no'))
            if strict and not soft: hard = True
            elif soft: hard = False
    return decide(d, item, qty, budget, value, hard)

def decide(d, item, qty, budget, value, hard):
    L = d['limit']
    if value is not None and value > L:
        return ('escalate' if d['escalates'] else 'decline', {})
    if item['stock'] == 0 and item['restock'] is None:
        alts = [a['id'] for a in d['catalog'] if a['id'] != item['id'] and a['stock'] >= qty
                and budget is not None and a['price'] <= budget + 1e-9 and (not hard or a['brand'] == item['brand'])]
        return ('offer_alternative', {'item_ids': sorted(alts), 'restock_notice': not alts})
    name = 'fulfill_with_disclosure' if (item['restock'] is not None and item['stock'] == 0) or (value is not None and value >= 0.8 * L) else 'fulfill'
    usable = [o for o in d['offers'] if item['id'] in o['items'] and o['fr'] <= d['today'] <= o['un'] and qty >= o['minq']]
    if not usable: return (name, {'item_id': item['id'], 'quantity': qty})
    o = max(usable, key=lambda o: o['pct'])
    cents = round(item['price'] * 100)
    price = (cents * (100 - o['pct']) + 50) // 100 / 100
    return (name, {'item_id': item['id'], 'quantity': qty, 'unit_price': price, 'offer_id': o['id']})

def agrees(call, want):
    name, args = call
    if name != want['name']: return False
    for k, v in want['arguments'].items():
        if k in ('disclosure', 'reason', 'question'): continue
        g = args.get(k)
        if k == 'item_ids':
            if sorted(g or []) != sorted(v): return False
        elif k == 'unit_price':
            if g is None or abs(g - v) > 0.005: return False
        elif g != v: return False
    return True

tree = sys.argv[1]
ok = total = 0; misses = collections.Counter(); example = {}
for f in sorted(glob.glob(f'{tree}/*/*/*.dataset.jsonl')):
    gold = {}
    for l in open(f.replace('.dataset.', '.golden.')):
        e = json.loads(l); gold[e['conversation_id']] = e
    for l in open(f):
        c = json.loads(l)
        d = parse_prompt(c['system_prompt'])
        for g in gold[c['id']]['graded_turns']:
            total += 1
            want = dict(g['expected_call'], arguments=json.loads(g['expected_call']['arguments']))
            if want['name'] == 'ask_clarifying_question':
                good = sorted(want['arguments']['missing']) == sorted(d['missing'])
            else:
                got = solve(c, d); good = agrees(got, want)
                if not good:
                    key = (c['domain'], c['behavior'], want['name'])
                    misses[key] += 1; example.setdefault(key, (c['id'], got, want))
            ok += good
print(f'{tree}: {ok}/{total} graded calls reached ({ok/total:.2%})')
for k, n in misses.most_common(8): print('  ', n, k, example[k][0], example[k][1], '| want', example[k][2]['name'], {a: v for a, v in example[k][2]['arguments'].items() if a not in ('reason', 'disclosure')})

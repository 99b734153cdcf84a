"""Shortcuts an outside evaluator would try (spec scenario-content.md §3): a
naive Bayes classifier trained on one tree names the decision of another from
the user's turns alone, the item id alone, or the system prompt alone; each
should stay within the majority share plus 10 points.
Usage: python3 scripts/shortcuts.py TRAIN_TREE TEST_TREE   (two seeds' `--format jsonl` outputs)"""
import json,glob,collections,re,math,sys
def load(tree):
    rows=[];gold={}
    for f in sorted(glob.glob(f'{tree}/*/*/*.dataset.jsonl')):
        rows+= [json.loads(l) for l in open(f)]
    for f in sorted(glob.glob(f'{tree}/*/*/*.golden.jsonl')):
        for l in open(f):
            e=json.loads(l); gold[e['conversation_id']]=e
    return rows,gold
def users(c): return ' '.join(t['content'] for t in c['turns'] if t['role']=='user')
def words(t): return re.findall(r"[a-z]+|\d+", t.lower())
def nb_train(xs,ys):
    cnt=collections.Counter(ys); wc=collections.defaultdict(collections.Counter)
    for x,y in zip(xs,ys): wc[y].update(x)
    vocab=set(w for c in wc.values() for w in c)
    tot={y:sum(wc[y].values()) for y in wc}
    return cnt,wc,tot,len(vocab)
def nb_pred(m,x):
    cnt,wc,tot,V=m; n=sum(cnt.values()); best=None
    for y in cnt:
        lp=math.log(cnt[y]/n)
        for w in x: lp+=math.log((wc[y][w]+1)/(tot[y]+V))
        if best is None or lp>best[0]: best=(lp,y)
    return best[1]
train_seed, test_seed = sys.argv[1], sys.argv[2]
tr,gtr=load(train_seed); te,gte=load(test_seed)
dec=lambda g,c: g[c['id']]['final_outcome']['decision']
maj=collections.Counter(dec(gte,c) for c in te).most_common(1)[0][1]/len(te)
print(f'{test_seed}: {len(te)} conversations, majority share {maj:.3f}')
for name,feat in [('user turns',lambda c: words(users(c))),
                  ('item id only',lambda c: [c['user_facts']['item_id']]),
                  ('system prompt',lambda c: words(c['system_prompt']))]:
    m=nb_train([feat(c) for c in tr],[dec(gtr,c) for c in tr])
    acc=sum(nb_pred(m,feat(c))==dec(gte,c) for c in te)/len(te)
    print(f'  naive Bayes on {name}, trained on {train_seed}: {acc:.3f}')

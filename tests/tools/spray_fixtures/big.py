import os, sys, json, random, datetime as dt
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *
ids = Ids(7)
r = ids.r
users = [User(ids, f'user{i:05d}', f'User {i}', f'10.{i//250}.{i%250}.{r.randint(2,250)}' if False else f'{r.choice([73,98,24,71,108])}.{r.randint(0,255)}.{r.randint(0,255)}.{r.randint(2,250)}', ua=r.choice(list(UA)[:8])) for i in range(5000)]
out = open(sys.argv[1] if len(sys.argv) > 1 else 'big.jsonl', 'w')
def emit(s):
    out.write(json.dumps(ual_record(ids, s), separators=(',', ':')) + '\n')
sigs = []
for day in range(6, 11):
    for u in users:
        for k in range(3):
            sigs.append(S(t=dt.datetime(2026, 4, day, r.randint(12, 22), r.randint(0, 59), r.randint(0, 59)), user=u, ip=r.choice(['203.0.113.10', u.home]), ua=u.ua, app='OfficeHome'))
        if r.random() < 0.8:
            sigs.append(S(t=dt.datetime(2026, 4, day, r.randint(12, 22), r.randint(0, 59)), user=u, ip=u.home, ua=u.ua, app='OfficeHome', code=r.choice([50126, 50126, 50055, 50053])))
ex = [f'{r.randint(60,110)}.{r.randint(0,255)}.{r.randint(0,255)}.{r.randint(2,250)}' for _ in range(300)]
t = dt.datetime(2026, 4, 7, 1, 0)
for i, u in enumerate(users[:2000]):
    sigs.append(S(t=t, user=u, ip=ex[i % 300], ua='spray120', app='Azure Active Directory PowerShell', code=50126))
    t += dt.timedelta(seconds=r.randint(20, 90))
t = dt.datetime(2026, 4, 8, 3, 0)
for k in range(50000):
    sigs.append(S(t=t, user=users[7], ip='193.32.162.9', ua='python', app='Azure Active Directory PowerShell', code=50126))
    t += dt.timedelta(seconds=1)
sigs.sort(key=lambda s: s['t'])
for s in sigs:
    emit(s)
print(len(sigs))

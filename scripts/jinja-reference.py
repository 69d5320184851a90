#!/usr/bin/env python3
# Writes Tests/Fixtures/jinja_reference/cases.json: templates and what Jinja2 renders for them in the
# environment transformers renders chat templates in (ImmutableSandboxedEnvironment, trim_blocks,
# lstrip_blocks, loopcontrols, tojson as json.dumps). Usage: python3 scripts/jinja-reference.py OUT.json
# (needs jinja2; the file shipped was made with Jinja2 3.1.6).
import json
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
env.filters["tojson"] = tojson
from jinja2.sandbox import ImmutableSandboxedEnvironment
import jinja2
env.globals["namespace"] = jinja2.utils.Namespace
cases = [
 ("blocks on their own lines", "{% if true %}\n    yes\n{% endif %}\nend\n", {}),
 ("lstrip only at line start", "a {% if true %}b{% endif %} c", {}),
 ("minus strips all whitespace", "a  \n {%- if true -%} \n b \n {%- endif %}\nc", {}),
 ("plus keeps the line", "  {%+ if true +%}\nx\n  {% endif %}", {}),
 ("expressions keep whitespace", "  {{ 'x' }}\n{{ 'y' }}  \n", {}),
 ("comments", "a{# note #}b\n  {# own line #}\nc{#- tight -#}  d", {}),
 ("loop variables", "{% for x in items %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.length }}{{ '!' if loop.first }}{{ '.' if loop.last }}{{ loop.previtem }}|{% endfor %}", {"items": ["a","b","c"]}),
 ("for else", "{% for x in [] %}{{ x }}{% else %}none{% endfor %}", {}),
 ("loop filter", "{% for x in range(10) if x is odd %}{{ x }}{{ loop.length }},{% endfor %}", {}),
 ("set in a loop is local", "{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}", {}),
 ("namespace persists", "{% set ns = namespace(total=0, names='') %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}", {}),
 ("macro", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', punct='?') }}", {}),
 ("filter binds tighter than plus", "{{ '<' + '  x  ' | trim + '>' }}", {}),
 ("filters", "{{ 'Hello' | upper }} {{ 'Hello' | lower }} {{ items | length }} {{ items | join(', ') }} {{ 'a-b-c' | replace('-', '+') }} {{ missing | default('dflt') }} {{ '' | default('empty', true) }}", {"items": ["x","y"]}),
 ("items and tojson", "{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %} {{ d | tojson }} {{ ['a', 1, none, true, 1.5] | tojson }} {{ {'a': [1, 2]} | tojson(indent=2) }}", {"d": {"b": 1, "a": "é\n"}}),
 ("tests", "{{ x is defined }} {{ y is defined }} {{ y is not defined }} {{ n is none }} {{ s is string }} {{ d is mapping }} {{ s is mapping }} {{ 4 is divisibleby 2 }} {{ 3 is odd }}", {"x": 1, "n": None, "s": "t", "d": {}}),
 ("slicing", "{{ s[1:] }} {{ s[:2] }} {{ s[::-1] }} {{ s[-2:] }} {{ items[1:] }} {{ items[-1] }}", {"s": "hello", "items": [1, 2, 3]}),
 ("string methods", "{{ s.startswith('He') }} {{ s.endswith('x') }} [{{ '  pad  '.strip() }}] {{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'x'.upper() }} [{{ 'xxhixx'.strip('x') }}] {{ 'a b'.title() }}", {"s": "Hello"}),
 ("printing values", "{{ none }} {{ true }} {{ 1.0 }} {{ 2.5e-7 }} {{ [1, 'a', none] }} {{ {'k': 'v'} }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 'ab' * 3 }} {{ 1 ~ 'x' ~ none }}", {}),
 ("comparisons and logic", "{{ 1 < 2 < 3 }} {{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} {{ not 0 }} {{ 0 or 'x' }} {{ 1 and 'y' }} {{ 'a' if false else 'b' }}", {}),
 ("loop controls", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
 ("elif chain", "{% for r in ['a', 'b', 'c'] %}{% if r == 'a' %}1{% elif r == 'b' %}2{% else %}3{% endif %}{% endfor %}", {}),
 ("set block", "{% set body %}x={{ 1 + 1 }}{% endset %}[{{ body }}]", {}),
 ("dict access", "{{ m['role'] }} {{ m.role }} {{ m.get('missing', 'none') }} {{ m.items() | list | length }} [{{ m.nothing }}]", {"m": {"role": "user"}}),
 ("raw", "{% raw %}{{ not parsed }}{% endraw %}", {}),
 ("trailing newline dropped once", "line\n\n", {}),
 ("selectattr and map", "{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | join('|') }} {{ msgs | rejectattr('role', 'equalto', 'user') | list | length }}", {"msgs": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]}),
]
out=[]
for name, src, ctx in cases:
    out.append({"name": name, "source": src, "variables": ctx, "expected": env.from_string(src).render(**ctx)})
import sys
json.dump(out, open(sys.argv[1], "w"), ensure_ascii=False, indent=1)

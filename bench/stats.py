#!/usr/bin/env python3
"""The one helper the bench scripts share for what bash cannot do: arithmetic on decimals, statistics, a value from a
YAML file, and putting a section into docs/benchmarks.md. Called through bench/lib.sh's wrappers, never sourced.

  stats.py fmt DECIMALS X               X with that many decimals
  stats.py add|sub|div DECIMALS A B     A + B, A - B, A / B
  stats.py lt|le|ge A B                 exit status 0 when A < B, A <= B, A >= B
  stats.py median DECIMALS V...         the median (the mean of the middle two for an even count)
  stats.py percentile P V...            nearest rank: the value at rank ceil(P/100 * n) of the sorted values, as given
  stats.py max V... / sum V...          the largest value, as given / the integer sum
  stats.py column-percentile P COLUMN DIVISOR DECIMALS FILE...
                                        percentile of a whitespace-separated column (1-based; integer values only)
                                        over files, divided by DIVISOR; nothing when there is no value
  stats.py yaml FILE DOTTED.PATH        one value from a YAML file (patroni.yml is nested)
  stats.py doc-section DOC SECTION_FILE HEADING AFTER
                                        puts SECTION_FILE (starting with "## HEADING") into DOC: in place of a section
                                        with that heading, else right after the section headed AFTER (right after the
                                        title when AFTER is empty), else at the end; a missing DOC gets the title first
"""
import math
import os
import sys
import tempfile
from decimal import Decimal, ROUND_HALF_EVEN


def number(text):
    try:
        return Decimal(text)
    except Exception:
        sys.exit(f"stats.py: not a number: {text!r}")


def fmt(value, decimals):
    # printf's rounding (half to even on the binary value is close enough to what awk printed; Decimal keeps it exact)
    quantum = Decimal(1).scaleb(-int(decimals))
    return str(value.quantize(quantum, rounding=ROUND_HALF_EVEN))


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def percentile_rank(p, n):
    return max(1, math.ceil(Decimal(p) * n / 100))


def percentile(p, texts):
    ordered = sorted(texts, key=number)
    return ordered[percentile_rank(p, len(ordered)) - 1]


def column_values(column, files):
    for name in files:
        with open(name) as f:
            for line in f:
                fields = line.split()
                if len(fields) >= column and fields[column - 1].isdigit():
                    yield int(fields[column - 1])


def yaml_value(path, dotted):
    import yaml
    with open(path) as f:
        node = yaml.safe_load(f)
    for key in dotted.split('.'):
        node = node[key]
    return node


def doc_section(doc, section_file, heading, after):
    with open(section_file) as f:
        section = f.read().strip('\n').split('\n')
    if not os.path.exists(doc):
        lines = ['# Benchmarks', ''] + section
    else:
        with open(doc) as f:
            old = f.read().split('\n')
        title, blocks, current = [], [], None
        for line in old:
            if line.startswith('## '):
                current = [line]
                blocks.append(current)
            elif current is None:
                title.append(line)
            else:
                current.append(line)

        def trimmed(block):
            while block and block[-1] == '':
                block = block[:-1]
            return block

        def heading_of(block):
            return block[0]

        mine = '## ' + heading
        kept = [trimmed(b) for b in blocks]
        replaced = [i for i, b in enumerate(kept) if heading_of(b).startswith(mine)]
        if replaced:
            kept[replaced[0]] = section
            kept = [b for i, b in enumerate(kept) if i not in replaced[1:]]
        elif not after:
            kept.insert(0, section)
        else:
            anchor = [i for i, b in enumerate(kept) if heading_of(b).startswith('## ' + after)]
            kept.insert(anchor[0] + 1 if anchor else len(kept), section)
        lines = trimmed(title)
        for block in kept:
            lines += [''] + block
    directory = os.path.dirname(os.path.abspath(doc))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=os.path.basename(doc) + '.')
    with os.fdopen(fd, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.chmod(tmp, 0o644)
    os.replace(tmp, doc)


def main(argv):
    if not argv:
        sys.exit(__doc__)
    op, args = argv[0], argv[1:]
    if op == 'fmt':
        print(fmt(number(args[1]), args[0]))
    elif op in ('add', 'sub', 'div'):
        a, b = number(args[1]), number(args[2])
        print(fmt(a + b if op == 'add' else a - b if op == 'sub' else a / b, args[0]))
    elif op in ('lt', 'le', 'ge'):
        a, b = number(args[0]), number(args[1])
        return 0 if (a < b if op == 'lt' else a <= b if op == 'le' else a >= b) else 1
    elif op == 'median':
        print(fmt(median([number(v) for v in args[1:]]), args[0]))
    elif op == 'percentile':
        print(percentile(args[0], args[1:]))
    elif op == 'max':
        print(max(args, key=number))
    elif op == 'sum':
        print(int(sum((number(v) for v in args), Decimal(0))))
    elif op == 'column-percentile':
        p, column, divisor, decimals = args[0], int(args[1]), number(args[2]), args[3]
        values = sorted(column_values(column, args[4:]))
        if values:
            print(fmt(Decimal(values[percentile_rank(p, len(values)) - 1]) / divisor, decimals))
        else:
            print('')
    elif op == 'yaml':
        print(yaml_value(args[0], args[1]))
    elif op == 'doc-section':
        doc_section(*args[:4])
    else:
        sys.exit(f"stats.py: unknown operation {op!r}\n{__doc__}")
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

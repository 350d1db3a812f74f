"""Writes a large V8 heap snapshot without running V8, for measuring the
import's memory on inputs of any size (bench/v8.sh: "1 GB").

    python3 bench/v8_synth.py NODES OUT.heapsnapshot

The graph looks like a Node heap at scale: a root with (GC roots) and a
global; linked records of 3-7 fields (properties, elements, an internal
map edge, now and then a weak one) pointing mostly near themselves; one
string node in three; 40 class names and 200 property names; Node's own
field layout (7 node fields, the node and edge types in V8's order).
Deterministic: the same NODES give the same bytes.  About 70 bytes of
JSON per node.
"""
import sys

NODE_TYPES = ["hidden", "array", "string", "object", "code", "closure",
              "regexp", "number", "native", "synthetic",
              "concatenated string", "sliced string", "symbol", "bigint",
              "object shape", "wasm object"]
EDGE_TYPES = ["context", "element", "property", "internal", "hidden",
              "shortcut", "weak"]
NF = 7


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    n = int(argv[1])
    out = open(argv[2], "w", buffering=1 << 20)
    strings = ["<dummy>", "", "(GC roots)", "global", "map"]
    classes = ["Class%d" % i for i in range(40)]
    props = ["prop%d" % i for i in range(200)]
    base = len(strings)
    strings += classes + props
    value0 = len(strings)   # string values follow, one per string node
    rng = 0x9e3779b97f4a7c15

    def rand(m):
        nonlocal rng
        rng ^= (rng << 13) & 0xffffffffffffffff
        rng ^= rng >> 7
        rng ^= (rng << 17) & 0xffffffffffffffff
        return rng % m

    # the edges of node v, as (type, name, target) rows
    def edges_of(v):
        if v == 0:
            return [(1, 1, 1), (5, 3, 2)]
        if v == 1:
            return [(1, 0, 2)]
        if v % 3 == 0:
            return []  # a string
        k = 3 + (v % 5)
        rows = [(3, 4, max(2, v - 1 - rand(50)))]
        for i in range(1, k):
            t = v + 1 + rand(200) if rand(4) else 2 + rand(n - 2)
            t = min(t, n - 1)
            kind = 6 if rand(40) == 0 else (2 if rand(3) else 1)
            name = base + 40 + rand(200) if kind != 1 else i
            rows.append((kind, name, t))
        return rows

    out.write('{"snapshot":{"meta":{"node_fields":["type","name","id",'
              '"self_size","edge_count","trace_node_id","detachedness"],'
              '"node_types":[%s,"string","number","number","number",'
              '"number","number"],"edge_fields":["type","name_or_index",'
              '"to_node"],"edge_types":[%s,"string_or_number","node"]},'
              '"node_count":%d,"edge_count":0},\n"nodes":['
              % (str(NODE_TYPES).replace("'", '"'),
                 str(EDGE_TYPES).replace("'", '"'), n))
    nvalues = 0
    rng_save = rng
    for v in range(n):
        ec = len(edges_of(v))
        if v == 0:
            row = "9,1,1,0,%d,0,0" % ec
        elif v == 1:
            row = "9,2,3,0,%d,0,0" % ec
        elif v % 3 == 0:
            row = "2,%d,%d,%d,0,0,0" % (value0 + nvalues, 2 * v + 1,
                                        16 + v % 48)
            nvalues += 1
        else:
            row = "3,%d,%d,%d,%d,0,0" % (base + v % 40, 2 * v + 1,
                                         24 + 8 * (v % 7), ec)
        out.write(row if v == 0 else "\n," + row)
    out.write('],\n"edges":[')
    rng = rng_save  # the same edges again
    first = True
    for v in range(n):
        for kind, name, t in edges_of(v):
            out.write("%s%d,%d,%d" % ("" if first else "\n,", kind, name,
                                      t * NF))
            first = False
    out.write('],\n"trace_function_infos":[],"trace_tree":[],"samples":[],'
              '"locations":[],\n"strings":[')
    out.write(",\n".join('"%s"' % s for s in strings))
    for i in range(nvalues):
        out.write(',\n"value %d of a string node"' % i)
    out.write("]}\n")
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""nx_dom.py - helper of bench/analysis.sh: networkx.immediate_dominators
on an edge list written by `domcheck export` (u64 nodes, u64 edges, u32
pairs; the last node is the super-root).  Prints the build and dominator
times and the same idom checksum as domcheck.  Run with Debian's
/usr/bin/python3 (python3-networkx)."""
import array
import struct
import sys
import time

import networkx as nx


def main():
    with open(sys.argv[1], "rb") as f:
        nodes, edges = struct.unpack("<QQ", f.read(16))
        pairs = array.array("I")
        pairs.frombytes(f.read(8 * edges))
    t0 = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(range(nodes))
    it = iter(pairs)
    g.add_edges_from(zip(it, it))
    del pairs
    t1 = time.perf_counter()
    root = nodes - 1
    idom = nx.immediate_dominators(g, root)
    t2 = time.perf_counter()
    total = 0
    reach = 0
    for v, d in idom.items():
        if v == root:
            continue
        reach += 1
        total += (v + 1) * (d + 1)
    print("reachable %d\nbuild_s %.3f\ndom_s %.3f\nchecksum %d"
          % (reach, t1 - t0, t2 - t1, total % (1 << 64)))


if __name__ == "__main__":
    main()

// boost_dom.cpp - helper of bench/analysis.sh: Boost Graph's
// lengauer_tarjan_dominator_tree on an edge list written by
// `domcheck export` (u64 nodes, u64 edges, u32 pairs; the last node is
// the super-root).  Prints the build and dominator times and the same
// idom checksum as domcheck, so the results can be compared.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dominator_tree.hpp>

using Graph = boost::adjacency_list<boost::vecS, boost::vecS,
				    boost::bidirectionalS>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;

static double now()
{
	return std::chrono::duration<double>(
		std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: boost_dom EDGES\n");
		return 2;
	}
	FILE *f = std::fopen(argv[1], "rb");
	uint64_t hdr[2];
	if (!f || std::fread(hdr, 8, 2, f) != 2) {
		std::perror(argv[1]);
		return 2;
	}
	std::vector<uint32_t> e(2 * hdr[1]);
	if (std::fread(e.data(), 4, e.size(), f) != e.size()) {
		std::fprintf(stderr, "boost_dom: %s is short\n", argv[1]);
		return 2;
	}
	std::fclose(f);
	double t0 = now();
	Graph g(hdr[0]);
	for (uint64_t i = 0; i < hdr[1]; i++)
		boost::add_edge(e[2 * i], e[2 * i + 1], g);
	std::vector<uint32_t>().swap(e);
	double t1 = now();
	std::vector<Vertex> idom(boost::num_vertices(g),
				 boost::graph_traits<Graph>::null_vertex());
	auto pm = boost::make_iterator_property_map(
		idom.begin(), boost::get(boost::vertex_index, g));
	Vertex root = hdr[0] - 1;
	boost::lengauer_tarjan_dominator_tree(g, root, pm);
	double t2 = now();
	uint64_t sum = 0, reach = 0;
	for (uint64_t v = 0; v + 1 < hdr[0]; v++) {
		if (idom[v] == boost::graph_traits<Graph>::null_vertex())
			continue;
		reach++;
		sum += (v + 1) * ((uint64_t)idom[v] + 1);
	}
	std::printf("reachable %llu\nbuild_s %.3f\ndom_s %.3f\nchecksum %llu\n",
		    (unsigned long long)reach, t1 - t0, t2 - t1,
		    (unsigned long long)sum);
	return 0;
}

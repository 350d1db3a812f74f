// boost_dom.cpp - helper of bench/analysis.sh: Boost Graph's
// lengauer_tarjan_dominator_tree on an edge list written by
// `domcheck export` (u64 nodes, u64 edges, u32 pairs; the last node is
// the super-root).  Prints the build and dominator times and the same
// idom checksum as domcheck, so the results can be compared.  The graph
// is Boost's compressed_sparse_row_graph (bidirectional, 32-bit): an
// adjacency_list took about 1 GiB for 1.2M objects, and would not fit
// the 10M-object heap on a shared machine.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/dominator_tree.hpp>

using Graph = boost::compressed_sparse_row_graph<
	boost::bidirectionalS, boost::no_property, boost::no_property,
	boost::no_property, uint32_t, uint32_t>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;

// The BidirectionalGraph concept asks for degree(), which Boost 1.74's
// bidirectional CSR graph lacks; lengauer_tarjan does not call it.
namespace boost {
inline Graph::degree_size_type degree(Vertex v, const Graph &g)
{
	return out_degree(v, g) + in_degree(v, g);
}
}

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
	std::vector<std::pair<uint32_t, uint32_t>> e(hdr[1]);
	if (std::fread(e.data(), 8, e.size(), f) != e.size()) {
		std::fprintf(stderr, "boost_dom: %s is short\n", argv[1]);
		return 2;
	}
	std::fclose(f);
	double t0 = now();
	Graph g(boost::edges_are_unsorted_multi_pass, e.begin(), e.end(),
		(uint32_t)hdr[0]);
	std::vector<std::pair<uint32_t, uint32_t>>().swap(e);
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

/* JenaBench.java — the store benchmark's query suite on Apache Jena in
 * memory, the peer issue 5 measures kouan against.
 *
 *   java -cp JENA_JARS:. JenaBench FILE.nq QUERIES.tsv [REPEAT]
 *
 * FILE.nq is loaded into an in-memory transactional dataset
 * (DatasetFactory.createTxnMem, each document its named graph); the queries
 * run on the dataset's union graph (getUnionModel: the RDF merge of the
 * named graphs, each triple once), which is what kouan's and rdflib's
 * default graph are, so the row counts match.  QUERIES.tsv: NAME<TAB>QUERY
 * lines, the first line the PREFIX declarations (run.sh writes it from
 * bench_queries.py, so the three engines run the same text).  Each query
 * is timed best of REPEAT (default 3), results read to the end, in one JVM
 * (the later runs are after JIT warm-up, as a long-running server is).
 * Output as bench_store's: NAME<TAB>SECONDS<TAB>DETAIL. */
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

import org.apache.jena.query.Dataset;
import org.apache.jena.query.DatasetFactory;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ReadWrite;
import org.apache.jena.query.ResultSet;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.riot.RDFDataMgr;

public class JenaBench {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: JenaBench FILE.nq QUERIES.tsv [REPEAT]");
            System.exit(2);
        }
        int repeat = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<String> lines = Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8);
        String prefixes = lines.get(0);

        long t0 = System.nanoTime();
        Dataset ds = DatasetFactory.createTxnMem();
        ds.begin(ReadWrite.WRITE);
        RDFDataMgr.read(ds, args[0]);
        ds.commit();
        ds.end();
        double load = (System.nanoTime() - t0) / 1e9;
        ds.begin(ReadWrite.READ);
        long quads = ds.asDatasetGraph().stream().count();
        System.out.printf("load\t%.3f\t%d quads, %.0f quads/s%n", load, quads, quads / load);

        Model union = ds.getUnionModel();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isEmpty()) continue;
            int tab = line.indexOf('\t');
            String name = line.substring(0, tab);
            Query q = QueryFactory.create(prefixes + line.substring(tab + 1));
            double best = 1e9;
            long rows = 0;
            for (int r = 0; r < repeat; r++) {
                long t = System.nanoTime();
                try (QueryExecution qe = QueryExecutionFactory.create(q, union)) {
                    ResultSet rs = qe.execSelect();
                    rows = 0;
                    while (rs.hasNext()) { rs.next(); rows++; }
                }
                best = Math.min(best, (System.nanoTime() - t) / 1e9);
            }
            System.out.printf("query.%s\t%.4f\t%d rows%n", name, best, rows);
            System.out.flush();
        }
        ds.end();
        Runtime rt = Runtime.getRuntime();
        System.gc();
        System.out.printf("memory\t0\theap in use %d MB after GC (max %d MB)%n",
                          (rt.totalMemory() - rt.freeMemory()) >> 20, rt.maxMemory() >> 20);
    }
}

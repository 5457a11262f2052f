package campus;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.Version;

/**
 * Neo4j Community on 127.0.0.1, Bolt only: the embedded database management service, the same
 * kernel and Cypher planner as the server image, without a server installation. Its store lives
 * in the folder given and survives a restart (the tests stop and start it mid-stream). Once Bolt
 * answers, the URL is written to {@code <folder>/bolt.url} and printed. It stops on SIGTERM or
 * SIGINT, and when the process that started it exits, so a killed script leaves none behind.
 * Authentication is off: it listens on loopback for development and the tests only.
 *
 * <p>Usage: {@code LocalNeo4j <folder> [port]}; port 0 or none picks a free one. The page cache
 * is {@code NEO4J_PAGECACHE_MIB} (default 512).
 */
public final class LocalNeo4j {
    private LocalNeo4j() {}

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]).toAbsolutePath();
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        if (port == 0) {
            port = freePort();
        }
        Files.createDirectories(folder);
        Path urlFile = folder.resolve("bolt.url");
        Files.deleteIfExists(urlFile);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(folder)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMiB()))
                // Small stores: no 250 MB transaction log files made up front.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(dbms, urlFile)));

        String url = "bolt://127.0.0.1:" + port;
        Files.writeString(urlFile, url + "\n", StandardCharsets.UTF_8);
        System.out.println("Neo4j Community " + Version.getNeo4jVersion() + " answers on " + url);
        System.out.flush();
        waitForParentExit();
        System.exit(0);
    }

    /** Returns once the process that started this one is gone (this one then has a new parent). */
    private static void waitForParentExit() throws InterruptedException {
        long parent = parentPid();
        while (parentPid() == parent) {
            Thread.sleep(1000);
        }
    }

    private static long parentPid() {
        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
    }

    private static long pageCacheMiB() {
        String value = System.getenv("NEO4J_PAGECACHE_MIB");
        return value == null || value.isBlank() ? 512 : Long.parseLong(value.trim());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void stop(DatabaseManagementService dbms, Path urlFile) {
        try {
            Files.deleteIfExists(urlFile);
        } catch (IOException ignored) {
            // advisory only: the next start overwrites a stale one
        }
        dbms.shutdown();
    }
}

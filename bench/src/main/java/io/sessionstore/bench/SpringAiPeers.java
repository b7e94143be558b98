package io.sessionstore.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.memory.repository.jdbc.H2ChatMemoryRepositoryDialect;
import org.springframework.ai.chat.memory.repository.jdbc.JdbcChatMemoryRepository;
import org.springframework.ai.chat.memory.repository.mongo.MongoChatMemoryRepository;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The Spring AI 1.1 repositories as an application would set them up without Spring Boot: H2 in
 * file mode behind HikariCP (Boot's default pool), with Spring AI's own H2 schema; MongoDB through
 * a {@link MongoTemplate}.
 */
final class SpringAiPeers {
  /** A repository and what to close after it. */
  record Peer(ChatMemoryRepository repository, AutoCloseable resources) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      resources.close();
    }
  }

  private SpringAiPeers() {}

  /**
   * {@code JdbcChatMemoryRepository} on an H2 database file in {@code dir}, with H2's default
   * settings.
   */
  static Peer jdbc(Path dir) throws IOException {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("chat").toAbsolutePath());
    HikariDataSource dataSource = new HikariDataSource(config);
    JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    for (String statement : schema().split(";")) {
      if (!statement.isBlank()) {
        jdbc.execute(statement);
      }
    }
    ChatMemoryRepository repository =
        JdbcChatMemoryRepository.builder()
            .jdbcTemplate(jdbc)
            .dialect(new H2ChatMemoryRepositoryDialect())
            .build();
    return new Peer(repository, dataSource);
  }

  /** {@code MongoChatMemoryRepository} on a database of the given server. */
  static Peer mongo(String uri) {
    MongoClient client = MongoClients.create(uri);
    MongoTemplate template = new MongoTemplate(client, "spring_ai");
    return new Peer(MongoChatMemoryRepository.builder().mongoTemplate(template).build(), client);
  }

  /** The schema Spring AI ships for H2 (Spring Boot runs it at start-up). */
  private static String schema() throws IOException {
    try (InputStream in = JdbcChatMemoryRepository.class.getResourceAsStream("schema-h2.sql")) {
      if (in == null) {
        throw new IOException("Spring AI's schema-h2.sql is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}

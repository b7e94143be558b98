package io.sessionstore.backend.s3;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/** Counts the HTTP requests the client sends, each attempt of a retried call included, by kind. */
final class RequestCounter implements ExecutionInterceptor {
  private static final Map<String, String> KINDS =
      Map.of(
          "GetObject",
          "GET",
          "PutObject",
          "PUT",
          "ListObjectsV2",
          "LIST",
          "HeadObject",
          "HEAD",
          "HeadBucket",
          "HEAD",
          "DeleteObject",
          "DELETE",
          "DeleteObjects",
          "DELETE",
          "CopyObject",
          "COPY");

  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  @Override
  public void beforeTransmission(
      Context.BeforeTransmission context, ExecutionAttributes attributes) {
    String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    counts
        .computeIfAbsent(KINDS.getOrDefault(operation, operation), k -> new LongAdder())
        .increment();
  }

  Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((kind, n) -> out.put(kind, n.sum()));
    return out;
  }
}

package io.sessionstore.backend.s3;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * The few S3 operations the backend uses, with S3's errors translated into the API's: a missing
 * object is empty, a lost create-only race is {@code false}, everything else a {@link
 * BackendUnavailableException} that names the bucket and the key (never a credential).
 */
final class ObjectStore implements AutoCloseable {
  /** The largest object a single PUT may write. */
  static final long MAX_PUT_BYTES = 5L * 1024 * 1024 * 1024;

  private static final int MAX_CONFLICT_RETRIES = 20;

  private final S3Client s3;
  private final S3Settings settings;

  ObjectStore(S3Client s3, S3Settings settings) {
    this.s3 = s3;
    this.settings = settings;
  }

  String bucket() {
    return settings.bucket();
  }

  /**
   * Checks that the bucket can be used, creating it when configured to; one clear error otherwise.
   */
  /**
   * The first request a store sends: reads an object (the format marker), empty when it does not
   * exist, and turns what can go wrong at start-up into one error naming the cause: a missing
   * bucket (created first when allowed, then empty), refused credentials, a wrong region or
   * endpoint, an unreachable endpoint.
   */
  Optional<byte[]> readAtStartUp(String key) {
    try {
      return Optional.of(
          s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket()).key(key).build())
              .asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        if (!"NoSuchBucket".equals(errorCode(e))) {
          return Optional.empty();
        }
        if (settings.createBucket()) {
          createBucket();
          return Optional.empty();
        }
        throw new ConfigurationException(
            "Cannot use bucket '"
                + bucket()
                + "': it does not exist (create it, or "
                + "set sessionstore.s3.create-bucket=true)");
      }
      if (e.statusCode() == 403 || e.statusCode() == 401) {
        throw new ConfigurationException(
            "Cannot use bucket '"
                + bucket()
                + "': access denied; check the "
                + "credentials (sessionstore.s3.access-key/secret-key or the AWS default chain) and their permissions");
      }
      if (e.statusCode() == 301 || e.statusCode() == 400) {
        throw new ConfigurationException(
            "Cannot use bucket '"
                + bucket()
                + "': the endpoint refused it (HTTP "
                + e.statusCode()
                + "); check sessionstore.s3.region, sessionstore.s3.endpoint and "
                + "sessionstore.s3.path-style");
      }
      throw unavailable("reach bucket '" + bucket() + "'", e);
    } catch (SdkClientException e) {
      throw new BackendUnavailableException(
          "Cannot reach the S3 endpoint "
              + (settings.endpoint() == null
                  ? "of region " + settings.region()
                  : settings.endpoint().toString())
              + " for bucket '"
              + bucket()
              + "': "
              + rootMessage(e),
          e);
    }
  }

  private void createBucket() {
    try {
      s3.createBucket(CreateBucketRequest.builder().bucket(bucket()).build());
    } catch (S3Exception e) {
      if (!"BucketAlreadyOwnedByYou".equals(errorCode(e))) {
        throw unavailable("create bucket '" + bucket() + "'", e);
      }
    }
  }

  /**
   * Creates an object only if no object has that key (a conditional PUT with {@code If-None-Match:
   * *}).
   *
   * <p>A 412 can also answer our own write: when a response is lost the SDK retries, and the retry
   * finds the object the first attempt created. So a 412 is read back: an object with exactly our
   * bytes is ours. (The bodies written here are unique: they name a random part, or are copies of
   * the same marker.)
   *
   * @return whether the object now holds this body because of this call (or an identical earlier
   *     one)
   */
  boolean putIfAbsent(String key, byte[] body) {
    checkSize(key, body);
    for (int attempt = 0; ; attempt++) {
      try {
        s3.putObject(put(key).ifNoneMatch("*").build(), RequestBody.fromBytes(body));
        return true;
      } catch (S3Exception e) {
        if (e.statusCode() == 412) {
          return get(key).map(existing -> java.util.Arrays.equals(existing, body)).orElse(false);
        }
        // S3 answers 409 while another conditional write of the same key is in flight: ask again.
        if (e.statusCode() == 409 && attempt < MAX_CONFLICT_RETRIES) {
          pause(attempt);
          continue;
        }
        throw unavailable("write s3://" + bucket() + "/" + key, e);
      } catch (SdkClientException e) {
        throw unavailable("write s3://" + bucket() + "/" + key, e);
      }
    }
  }

  /** Writes an object unconditionally. */
  void put(String key, byte[] body) {
    checkSize(key, body);
    try {
      s3.putObject(put(key).build(), RequestBody.fromBytes(body));
    } catch (S3Exception | SdkClientException e) {
      throw unavailable("write s3://" + bucket() + "/" + key, e);
    }
  }

  private PutObjectRequest.Builder put(String key) {
    PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(bucket()).key(key);
    if (settings.sse() != null) {
      b.serverSideEncryption(ServerSideEncryption.fromValue(settings.sse()));
      if (settings.kmsKeyId() != null) {
        b.ssekmsKeyId(settings.kmsKeyId());
      }
    }
    return b;
  }

  private void checkSize(String key, byte[] body) {
    if (body.length > MAX_PUT_BYTES) {
      throw new io.sessionstore.api.InvalidInputException(
          "Cannot write s3://"
              + bucket()
              + "/"
              + key
              + ": "
              + body.length
              + " bytes is more than S3 takes in one PUT (5 GB)");
    }
  }

  /** The object's bytes, or empty when it does not exist. */
  Optional<byte[]> get(String key) {
    Optional<ResponseInputStream<GetObjectResponse>> in = open(key);
    if (in.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream stream = in.get()) {
      return Optional.of(stream.readAllBytes());
    } catch (IOException e) {
      throw new BackendUnavailableException(
          "Cannot read s3://" + bucket() + "/" + key + ": " + e.getMessage(), e);
    }
  }

  /** Whether an object exists (a HEAD request). */
  boolean exists(String key) {
    try {
      s3.headObject(HeadObjectRequest.builder().bucket(bucket()).key(key).build());
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw unavailable("read s3://" + bucket() + "/" + key, e);
    } catch (SdkClientException e) {
      throw unavailable("read s3://" + bucket() + "/" + key, e);
    }
  }

  /** The object's content as a stream the caller closes, or empty when it does not exist. */
  Optional<ResponseInputStream<GetObjectResponse>> open(String key) {
    try {
      return Optional.of(
          s3.getObject(GetObjectRequest.builder().bucket(bucket()).key(key).build()));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw unavailable("read s3://" + bucket() + "/" + key, e);
    } catch (SdkClientException e) {
      throw unavailable("read s3://" + bucket() + "/" + key, e);
    }
  }

  /**
   * The numbered objects ({@code .../000000000042}) under a prefix after {@code startAfter}, in
   * order.
   */
  List<String> numbered(String prefix, String startAfter) {
    return keys(prefix, startAfter).stream().filter(S3Layout::isNumbered).toList();
  }

  /**
   * Every key under a prefix after {@code startAfter} (null: from the start), in lexical order;
   * paginated.
   */
  List<String> keys(String prefix, String startAfter) {
    ListObjectsV2Request.Builder req =
        ListObjectsV2Request.builder().bucket(bucket()).prefix(prefix);
    if (startAfter != null) {
      req.startAfter(startAfter);
    }
    return list(req.build(), false);
  }

  /**
   * The objects (keys and sizes) directly under a prefix after {@code startAfter} (null: from the
   * start), in lexical order; paginated.
   */
  List<S3Object> objectsDirectlyUnder(String prefix, String startAfter) {
    ListObjectsV2Request.Builder req =
        ListObjectsV2Request.builder().bucket(bucket()).prefix(prefix).delimiter("/");
    if (startAfter != null) {
      req.startAfter(startAfter);
    }
    try {
      return s3
          .listObjectsV2Paginator(req.encodingType(EncodingType.URL).build())
          .contents()
          .stream()
          .toList();
    } catch (S3Exception | SdkClientException e) {
      throw unavailable("list s3://" + bucket() + "/" + prefix, e);
    }
  }

  /**
   * Every object (key, size, time) under a prefix after {@code startAfter} (null: from the start),
   * in lexical order, handed over page by page as the listing goes, so that a listing of many
   * objects is never held in memory whole.
   */
  void forEachObject(String prefix, String startAfter, Consumer<S3Object> action) {
    ListObjectsV2Request.Builder req =
        ListObjectsV2Request.builder().bucket(bucket()).prefix(prefix);
    if (startAfter != null) {
      req.startAfter(startAfter);
    }
    Iterator<S3Object> objects;
    try {
      objects =
          s3.listObjectsV2Paginator(req.encodingType(EncodingType.URL).build())
              .contents()
              .iterator();
    } catch (S3Exception | SdkClientException e) {
      throw unavailable("list s3://" + bucket() + "/" + prefix, e);
    }
    while (true) {
      S3Object next;
      try {
        if (!objects.hasNext()) {
          return;
        }
        next = objects.next();
      } catch (S3Exception | SdkClientException e) {
        throw unavailable("list s3://" + bucket() + "/" + prefix, e);
      }
      action.accept(next);
    }
  }

  /** The keys directly under a prefix (not in deeper "folders"), in lexical order; paginated. */
  List<String> keysDirectlyUnder(String prefix) {
    return keysDirectlyUnder(prefix, null);
  }

  /**
   * The keys directly under a prefix after {@code startAfter} (null: from the start), in lexical
   * order.
   */
  List<String> keysDirectlyUnder(String prefix, String startAfter) {
    ListObjectsV2Request.Builder req =
        ListObjectsV2Request.builder().bucket(bucket()).prefix(prefix).delimiter("/");
    if (startAfter != null) {
      req.startAfter(startAfter);
    }
    return list(req.build(), false);
  }

  /**
   * Reads only the first line of an object (a marker's control data) and drops the connection's
   * remaining bytes instead of downloading them, or empty when the object does not exist.
   */
  Optional<String> firstLine(String key) {
    Optional<ResponseInputStream<GetObjectResponse>> in = open(key);
    if (in.isEmpty()) {
      return Optional.empty();
    }
    ResponseInputStream<GetObjectResponse> stream = in.get();
    try {
      java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
      int b;
      while ((b = stream.read()) >= 0 && b != '\n') {
        line.write(b);
      }
      if (b >= 0) {
        stream.abort();
      }
      return Optional.of(line.toString(java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new BackendUnavailableException(
          "Cannot read s3://" + bucket() + "/" + key + ": " + e.getMessage(), e);
    } finally {
      try {
        stream.close();
      } catch (IOException e) {
        // the connection was aborted or is done: nothing left to release
      }
    }
  }

  /** The "folders" directly under a prefix (common prefixes for delimiter {@code /}), paginated. */
  List<String> foldersUnder(String prefix) {
    return list(
        ListObjectsV2Request.builder().bucket(bucket()).prefix(prefix).delimiter("/").build(),
        true);
  }

  /**
   * Lists with {@code encoding-type=url}: keys come back percent-encoded, so a key holding a
   * character that XML 1.0 cannot carry (U+FFFE, U+FFFF) still lists, on S3 as on S3Proxy. The SDK
   * decodes them again for us.
   */
  private List<String> list(ListObjectsV2Request req, boolean folders) {
    try {
      var pages = s3.listObjectsV2Paginator(req.toBuilder().encodingType(EncodingType.URL).build());
      return folders
          ? pages.commonPrefixes().stream().map(CommonPrefix::prefix).toList()
          : pages.contents().stream().map(S3Object::key).toList();
    } catch (S3Exception | SdkClientException e) {
      throw unavailable("list s3://" + bucket() + "/" + req.prefix(), e);
    }
  }

  /**
   * Deletes objects in batches of 1,000 (one DeleteObjects request each); missing ones are fine.
   */
  void delete(Collection<String> keys) {
    List<String> all = new ArrayList<>(keys);
    for (int i = 0; i < all.size(); i += 1000) {
      List<ObjectIdentifier> batch =
          all.subList(i, Math.min(all.size(), i + 1000)).stream()
              .map(k -> ObjectIdentifier.builder().key(k).build())
              .toList();
      try {
        var response =
            s3.deleteObjects(
                DeleteObjectsRequest.builder()
                    .bucket(bucket())
                    .delete(Delete.builder().objects(batch).quiet(true).build())
                    .build());
        if (response.hasErrors() && !response.errors().isEmpty()) {
          var first = response.errors().get(0);
          throw new BackendUnavailableException(
              "Cannot delete s3://"
                  + bucket()
                  + "/"
                  + first.key()
                  + ": "
                  + first.code()
                  + " "
                  + first.message());
        }
      } catch (S3Exception | SdkClientException e) {
        throw unavailable("delete objects in s3://" + bucket(), e);
      }
    }
  }

  @Override
  public void close() {
    s3.close();
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20 + 10L * attempt));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendUnavailableException("Interrupted while waiting to retry an S3 write");
    }
  }

  static BackendUnavailableException unavailable(String what, RuntimeException e) {
    String detail =
        e instanceof S3Exception s
            ? "HTTP " + s.statusCode() + (errorCode(s) == null ? "" : " " + errorCode(s))
            : rootMessage(e);
    return new BackendUnavailableException("Cannot " + what + ": " + detail, e);
  }

  private static String errorCode(S3Exception e) {
    return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.replaceAll("\\s+", " ");
  }
}

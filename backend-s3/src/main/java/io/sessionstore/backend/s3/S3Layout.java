package io.sessionstore.backend.s3;

import io.sessionstore.api.SessionKey;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where things live in the bucket. Messages use the Claude Agent SDK's layout, {@code
 * {prefix}{project}/{session}/[{subpath}/]part-{epochMs13}-{rand6}.jsonl}, with names raw in keys;
 * all the backend's own objects live under {@code {prefix}.sessionstore/}, where that layout's
 * readers never look. {@code .sessionstore} can never be a project, session or subpath segment (the
 * name is reserved), so it also marks where a transcript's own objects begin.
 */
final class S3Layout {
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

  private final String prefix;

  S3Layout(String prefix) {
    this.prefix = prefix;
  }

  String root() {
    return prefix + ".sessionstore/";
  }

  String formatMarker() {
    return root() + "format";
  }

  /** The folder of a transcript's parts (the SDK's layout). */
  String partsFolder(SessionKey key) {
    return prefix
        + key.project()
        + "/"
        + key.sessionId()
        + "/"
        + (key.isSubpath() ? key.subpath() + "/" : "");
  }

  /** The folder of a session's parts and its sub-transcripts' parts. */
  String sessionFolder(SessionKey key) {
    return prefix + key.project() + "/" + key.sessionId() + "/";
  }

  static String partName(long epochMillis) {
    StringBuilder rand = new StringBuilder(6);
    ThreadLocalRandom r = ThreadLocalRandom.current();
    for (int i = 0; i < 6; i++) {
      rand.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
    }
    return String.format("part-%013d-%s.jsonl", epochMillis, rand);
  }

  static boolean isPart(String name) {
    return name.matches("part-\\d{13}-[A-Za-z0-9]{6}\\.jsonl");
  }

  static long partTime(String name) {
    return Long.parseLong(name.substring(5, 18));
  }

  /** The folder of a transcript's commit markers: one object per commit, numbered from 1. */
  String logFolder(SessionKey key) {
    return root()
        + "log/"
        + key.project()
        + "/"
        + key.sessionId()
        + "/"
        + (key.isSubpath() ? key.subpath() + "/" : "")
        + ".sessionstore/";
  }

  String marker(SessionKey key, long n) {
    return logFolder(key) + String.format("%012d", n);
  }

  /**
   * Whether a listed key is a numbered object of ours (foreign or temporary objects are ignored).
   * Not a regex: {@code .} does not match U+0085, U+2028 or U+2029, which names may hold.
   */
  static boolean isNumbered(String key) {
    int slash = key.lastIndexOf('/');
    return key.length() - slash == 13
        && key.chars().skip(slash + 1L).allMatch(c -> c >= '0' && c <= '9');
  }

  static long markerNumber(String key) {
    return Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
  }

  /**
   * The folder that lists a session's sub-transcripts: one empty object {@code
   * {subpath}/.sessionstore} each.
   */
  String subsFolder(SessionKey session) {
    return root() + "subs/" + session.project() + "/" + session.sessionId() + "/";
  }

  String subEntry(SessionKey sub) {
    return subsFolder(sub) + sub.subpath() + "/.sessionstore";
  }

  /**
   * The subpath of a key under {@link #subsFolder}, or null when the key is not a sub-transcript
   * entry.
   */
  String subpathOf(SessionKey session, String key) {
    String rest = key.substring(subsFolder(session).length());
    return rest.endsWith("/.sessionstore")
        ? rest.substring(0, rest.length() - "/.sessionstore".length())
        : null;
  }

  String indexEntry(long seq) {
    return root() + "index/log/" + String.format("%012d", seq);
  }

  String indexEntries() {
    return root() + "index/log/";
  }

  String indexSnapshot(long seq) {
    return root() + "index/snap/" + String.format("%012d", seq);
  }

  String indexSnapshots() {
    return root() + "index/snap/";
  }

  String indexDelta(long seq) {
    return root() + "index/delta/" + String.format("%012d", seq);
  }

  String indexDeltas() {
    return root() + "index/delta/";
  }

  /** A transcript's parts named up to {@code last} (inclusive; none when it is null). */
  List<String> partsUpTo(ObjectStore store, SessionKey key, String last) {
    if (last == null) {
      return List.of();
    }
    String folder = partsFolder(key);
    return store.keysDirectlyUnder(folder).stream()
        .filter(k -> isPart(k.substring(folder.length())))
        .filter(k -> k.substring(folder.length()).compareTo(last) <= 0)
        .toList();
  }

  /**
   * The parts of a session and of every sub-transcript under it named with a time up to {@code
   * millis}: what a delete that started then leaves, never a later life's parts.
   */
  List<String> partsNoLaterThan(ObjectStore store, SessionKey session, long millis) {
    return store.keys(sessionFolder(session), null).stream()
        .filter(
            k -> {
              String name = k.substring(k.lastIndexOf('/') + 1);
              return isPart(name) && partTime(name) <= millis;
            })
        .toList();
  }

  /**
   * The last project a scan of every project for sessions to adopt finished (absent when none is
   * under way).
   */
  String adoptionProgress() {
    return root() + "adoption";
  }

  /**
   * Where housekeeping keeps its progress: how far back its next run must look, the transcripts it
   * must look at again, and where a run cut short stopped.
   */
  String housekeepingState() {
    return root() + "housekeeping";
  }

  /** The folder of every transcript's commit markers. */
  String logRoot() {
    return root() + "log/";
  }

  /**
   * The parts folder of the transcript whose marker folder is {@code logFolder} (as {@link
   * #logFolder} names it), or null when it is not one.
   */
  String partsFolderOfLog(String logFolder) {
    String tail = ".sessionstore/";
    if (!logFolder.startsWith(logRoot())
        || !logFolder.endsWith("/" + tail)
        || logFolder.length() <= logRoot().length() + tail.length()) {
      return null;
    }
    return prefix + logFolder.substring(logRoot().length(), logFolder.length() - tail.length());
  }

  /**
   * Entries, deltas and snapshots: one listing of it shows a fresh process everything it has to
   * read.
   */
  String indexRoot() {
    return root() + "index/";
  }
}

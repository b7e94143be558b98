package io.sessionstore.backend.s3;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.Utf8Lines;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Takes in what only writers of the Claude Agent SDK's layout wrote: transcripts with parts and no
 * markers, and parts appended after the latest part a marker names. Their messages become commits
 * like ours.
 */
final class SdkAdoption {
  private final ObjectStore store;
  private final S3Layout layout;
  private final S3Index index;
  private final MarkerLog log;
  private final CommitCompletion completion;

  SdkAdoption(
      ObjectStore store,
      S3Layout layout,
      S3Index index,
      MarkerLog log,
      CommitCompletion completion) {
    this.store = store;
    this.layout = layout;
    this.index = index;
    this.log = log;
    this.completion = completion;
  }

  /**
   * Takes in a transcript that only the Claude Agent SDK (or another writer of its layout) wrote:
   * parts and no markers. Its messages, read in the parts' lexical order, become marker 1, claimed
   * create-only so that processes adopting it at once agree; its parts stay as they are.
   *
   * @return the new state, or null when there are no parts either
   */
  TranscriptState adopt(SessionKey key) {
    String folder = layout.partsFolder(key);
    List<String> parts =
        store.keysDirectlyUnder(folder).stream()
            .filter(k -> S3Layout.isPart(k.substring(folder.length())))
            .toList();
    if (parts.isEmpty()) {
      return null;
    }
    List<String> messages = readParts(parts);
    String first = parts.get(0).substring(folder.length());
    String last = parts.get(parts.size() - 1).substring(folder.length());
    StoredHead head;
    try {
      // The Claude Agent SDK mirrors Claude Code's transcripts into this layout.
      head =
          StoredHead.derive(
              key,
              messages,
              Instant.ofEpochMilli(S3Layout.partTime(first)),
              Instant.ofEpochMilli(S3Layout.partTime(last)),
              key.isSubpath()
                  ? Map.of()
                  : Map.of(SessionMetadata.FORMAT, SessionMetadata.FORMAT_CLAUDE_TRANSCRIPT));
    } catch (io.sessionstore.api.InvalidInputException e) {
      throw new BackendUnavailableException(
          "Cannot read "
              + key
              + " written in the Claude SDK layout at s3://"
              + store.bucket()
              + "/"
              + folder
              + ": "
              + e.getMessage());
    }
    Marker adopted =
        Marker.of("ADOPT", 0, 1, first, null, S3Layout.partTime(last), last, head, messages, 0);
    // It carries the parts' messages too: a reader that finds parts it cannot account for (the SDK
    // wrote one among ours) walks the markers, and reads an adopted commit from its marker.
    adopted = adopted.inlined().with(new Marker.Generation(parts.size(), adopted.bytes(), 0, 0));
    if (store.putIfAbsent(layout.marker(key, 1), adopted.encode()) && !key.isSubpath()) {
      index.put(head, 1);
    }
    // Ours or another process's adoption: read the marker that won.
    List<String> markers = store.numbered(layout.logFolder(key), null);
    if (markers.isEmpty()) {
      return null;
    }
    String newest = markers.get(markers.size() - 1);
    return store
        .firstLine(newest)
        .map(
            line ->
                log.keep(
                    key,
                    TranscriptState.after(
                        null, S3Layout.markerNumber(newest), Marker.control(line, newest))))
        .orElse(null);
  }

  /**
   * Takes in parts that a writer of the SDK's layout appended after the newest part this store
   * knows of (ours are always named after it, so any later part is foreign): their messages become
   * the next commit, an append.
   *
   * @return whether the transcript moved on (by this commit or another writer's), so that its
   *     newest marker must be read again
   */
  boolean adoptNewerParts(SessionKey key, TranscriptState s) {
    if (s == null || s.head() == null || s.control().lastPart() == null) {
      return false;
    }
    String folder = layout.partsFolder(key);
    String lastPart = s.control().lastPart();
    // Listed from the latest part's millisecond on, so the same LIST also tells whether that part
    // exists, and whether it is void (empty: its commit was dropped, perhaps not completely).
    List<S3Object> listed =
        store
            .objectsDirectlyUnder(folder, folder + lastPart.substring(0, "part-".length() + 13))
            .stream()
            .filter(o -> S3Layout.isPart(o.key().substring(folder.length())))
            .toList();
    if (lastPart.equals(s.control().part())) {
      Optional<S3Object> own =
          listed.stream().filter(o -> o.key().equals(folder + lastPart)).findFirst();
      if (own.isEmpty()) {
        if (completion.completePart(key, s)) {
          return true;
        }
      } else if (own.get().size() == 0 && !s.control().inline()) {
        completion.dropVoided(key, s);
        return true;
      }
    }
    // Empty parts are dropped commits' voids, never messages.
    List<String> newer =
        listed.stream()
            .filter(o -> o.size() > 0)
            .map(S3Object::key)
            .filter(k -> k.substring(folder.length()).compareTo(lastPart) > 0)
            .toList();
    if (newer.isEmpty()) {
      return false;
    }
    List<String> messages = readParts(newer);
    String last = newer.get(newer.size() - 1).substring(folder.length());
    StoredHead head;
    try {
      head = s.head().extend(messages, Instant.ofEpochMilli(S3Layout.partTime(last)));
    } catch (io.sessionstore.api.InvalidInputException e) {
      throw new BackendUnavailableException(
          "Cannot read parts appended to " + key + " in the Claude SDK layout: " + e.getMessage());
    }
    String firstPart = s.control().firstPart();
    if (firstPart == null && s.head().messageCount() == 0) {
      firstPart = newer.get(0).substring(folder.length());
    }
    Marker adopted =
        Marker.of(
            "ADOPT",
            s.control().base(),
            s.control().genStart(),
            firstPart,
            null,
            Math.max(s.control().partTime(), S3Layout.partTime(last)),
            last,
            head,
            messages,
            s.control().id());
    // It carries the parts' messages too, for a reader that walks the markers (see adopt).
    adopted = adopted.inlined();
    if (firstPart != null) {
      adopted = adopted.with(s.control().generation().plus(newer.size(), adopted.bytes()));
    }
    try {
      log.claim(key, s.n() + 1, adopted, s);
      log.keep(key, TranscriptState.after(s, s.n() + 1, adopted));
      if (!key.isSubpath()) {
        index.put(head, s.n() + 1);
      }
    } catch (ConflictException e) {
      // Another writer moved on first: read what it wrote.
    }
    return true;
  }

  /** The lines of parts, in the given order, as the SDK's reader reads them. */
  private List<String> readParts(List<String> parts) {
    List<String> messages = new ArrayList<>();
    for (String part : parts) {
      store
          .open(part)
          .ifPresent(
              in -> {
                try (in) {
                  // As every part is read: lines end at '\n' only.
                  Utf8Lines lines = new Utf8Lines(in, false);
                  String line;
                  while ((line = lines.next()) != null) {
                    if (!line.isBlank()) {
                      messages.add(line);
                    }
                  }
                } catch (java.io.IOException e) {
                  throw ObjectStore.unavailable(
                      "read " + part, new java.io.UncheckedIOException(e));
                }
              });
    }
    return messages;
  }
}

package org.virtualservices.core.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtualservices.core.images.UserImages.Format;
import org.virtualservices.core.images.UserImages.Ref;
import org.virtualservices.core.images.UserImages.Revision;

class UserImagesTest {

  final UserImages repo = new UserImages(Path.of("/home/alice/.vcluster/images"));

  @Test
  void refsNameTheLatestOrOneRevision() {
    assertEquals(new Ref("deb12", OptionalInt.empty()), UserImages.parseRef("user:deb12"));
    assertEquals(new Ref("my.img-2_x", OptionalInt.of(3)), UserImages.parseRef("user:my.img-2_x@3"));
    assertEquals("user:deb12@3", UserImages.parseRef("user:deb12@3").toString());
    assertTrue(UserImages.isUserRef("user:a"));
    assertFalse(UserImages.isUserRef("debian12"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"user:", "user:@1", "user:a@", "user:a@0", "user:a@01", "user:a@-1", "user:a@1x",
      "user:a@1@2", "user:../etc", "user:.hidden", "user:a/b", "user:a b", "user:a\nb", "user:a@1234567890",
      "debian12", "user:-x", "user:a..b"})
  void badRefsAreRefusedWithTheirText(String bad) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UserImages.parseRef(bad));
    assertFalse(e.getMessage().isEmpty());
  }

  @Test
  void aNameOfSixtyFiveCharactersIsRefused() {
    assertTrue(UserImages.validName("a".repeat(64)));
    assertFalse(UserImages.validName("a".repeat(65)));
  }

  @Test
  void pathsFollowTheLayout() {
    assertEquals(Path.of("/home/alice/.vcluster/images/deb12"), repo.folder("deb12"));
    assertEquals(Path.of("/home/alice/.vcluster/images/deb12/3.qcow2"), repo.path("deb12", 3, Format.QCOW2));
    assertEquals(Path.of("/home/alice/.vcluster/images/deb12/.4.raw.partial"),
        repo.partialPath("deb12", 4, Format.RAW));
    assertThrows(IllegalArgumentException.class, () -> repo.folder(".."));
    assertThrows(IllegalArgumentException.class, () -> repo.path("deb12", 0, Format.RAW));
  }

  @Test
  void theRepositoryComesFromTheSiteTemplate() {
    assertEquals(Path.of("/home/bob/.vcluster/images"),
        UserImages.forUser("/home/{user}/.vcluster/images", "bob", 1001).repository());
    assertEquals(Path.of("/srv/images/1001/bob"), UserImages.forUser("/srv/images/{uid}/{user}", "bob", 1001)
        .repository());
    assertThrows(IllegalArgumentException.class, () -> UserImages.forUser("/x/{home}", "bob", 1));
    assertThrows(IllegalArgumentException.class, () -> UserImages.forUser("{user}/images", "bob", 1));
    assertThrows(IllegalArgumentException.class, () -> UserImages.forUser("/x/{user}", "..", 1));
    assertThrows(IllegalArgumentException.class, () -> UserImages.forUser("/x/{user}", "a/b", 1));
  }

  @Test
  void revisionsAreTheNumberedFilesOnlyLowestFirst() {
    List<Revision> r = repo.revisionsIn("deb12", List.of("10.qcow2", "2.raw", ".11.qcow2.partial", "1.qcow2",
        "notes.txt", "3.vmdk", "03.raw", "4.qcow2.bak", ".5.raw"));
    assertEquals(List.of(1, 2, 10), r.stream().map(Revision::number).toList());
    assertEquals(Format.RAW, r.get(1).format());
    assertEquals(repo.path("deb12", 10, Format.QCOW2), r.get(2).path());
  }

  @Test
  void theNextRevisionIsAboveEveryWrittenOrPartialOne() {
    assertEquals(1, UserImages.nextRevisionIn(List.of()));
    assertEquals(3, UserImages.nextRevisionIn(List.of("1.raw", "2.qcow2")));
    // a revision another writer has begun is never reused
    assertEquals(6, UserImages.nextRevisionIn(List.of("1.raw", ".5.qcow2.partial")));
    assertEquals(2, UserImages.nextRevisionIn(List.of("1.raw", "99.vmdk", ".x.partial")));
  }

  @Test
  void pickTakesTheHighestOrTheOneNamed() {
    List<Revision> r = repo.revisionsIn("deb12", List.of("1.raw", "2.qcow2", "7.qcow2"));
    assertEquals(7, UserImages.pick(UserImages.parseRef("user:deb12"), r).number());
    assertEquals(2, UserImages.pick(UserImages.parseRef("user:deb12@2"), r).number());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> UserImages.pick(UserImages.parseRef("user:deb12@3"), r));
    assertTrue(e.getMessage().contains("no revision 3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> UserImages.pick(UserImages.parseRef("user:x"), List.of()));
    assertTrue(e.getMessage().contains("no user image 'x'"), e.getMessage());
  }

  @Test
  void aRevisionInTwoFormatsIsAmbiguous() {
    List<Revision> r = repo.revisionsIn("deb12", List.of("3.raw", "3.qcow2"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> UserImages.pick(UserImages.parseRef("user:deb12"), r));
    assertTrue(e.getMessage().contains("two formats"), e.getMessage());
  }

  @Test
  void publishRenamesThePartialAndNeverReplaces(@TempDir Path tmp) throws Exception {
    UserImages u = new UserImages(tmp);
    Files.createDirectories(u.folder("deb12"));
    assertEquals(1, u.nextRevision("deb12"));
    Files.writeString(u.partialPath("deb12", 1, Format.RAW), "one");
    assertEquals(2, u.nextRevision("deb12"));
    Path published = u.publish("deb12", 1, Format.RAW);
    assertEquals("one", Files.readString(published));
    assertFalse(Files.exists(u.partialPath("deb12", 1, Format.RAW)));
    assertEquals(List.of(1), u.revisions("deb12").stream().map(Revision::number).toList());
    assertEquals(List.of("deb12"), u.names());

    // a second writer that took the same number cannot replace revision 1, in either format
    Files.writeString(u.partialPath("deb12", 1, Format.RAW), "two");
    assertThrows(FileAlreadyExistsException.class, () -> u.publish("deb12", 1, Format.RAW));
    Files.writeString(u.partialPath("deb12", 1, Format.QCOW2), "two");
    assertThrows(FileAlreadyExistsException.class, () -> u.publish("deb12", 1, Format.QCOW2));
    assertEquals("one", Files.readString(published));
  }

  @Test
  void aMissingRepositoryHasNoImages(@TempDir Path tmp) throws Exception {
    UserImages u = new UserImages(tmp.resolve("none"));
    assertEquals(List.of(), u.names());
    assertEquals(List.of(), u.revisions("deb12"));
    assertEquals(1, u.nextRevision("deb12"));
  }
}

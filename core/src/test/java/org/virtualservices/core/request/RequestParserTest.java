package org.virtualservices.core.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtualservices.core.request.RequestParser.Field;
import org.virtualservices.core.request.RequestParser.Key;

class RequestParserTest {

  @ParameterizedTest
  @ValueSource(strings = {"debian12", "a", "Debian-12.4_hpc", "0day", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"})
  void acceptsCatalogNames(String name) {
    assertEquals(name, RequestParser.image("vc-image", name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " debian12", "debian12 ", "../etc/passwd", "a/b", "/abs", "a..b", ".hidden",
      "-rf", "_x", "deb ian", "déb", "a\nb", "a:b", "a$b", "a;b", "*"})
  void refusesOtherImageNames(String name) {
    RequestException e = assertThrows(RequestException.class, () -> RequestParser.image("vc-image", name));
    assertEquals("vc-image", e.field());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }

  @Test
  void refusesTooLongImageName() {
    assertThrows(RequestException.class, () -> RequestParser.image("image", "x".repeat(65)));
  }

  @ParameterizedTest(name = "{0} = {1} MiB")
  @CsvSource({
      "1024, 1024", "1, 1", "512M, 512", "512m, 512", "2G, 2048", "2g, 2048", "2GiB, 2048", "2gib, 2048",
      "2GB, 2048", "1T, 1048576", "16T, 16777216", "1048576K, 1024", "1024KiB, 1", "2048k, 2", "512MiB, 512",
      "0512M, 512"})
  void readsMemoryAsSlurmDoes(String text, long mib) {
    assertEquals(mib, RequestParser.memoryMiB("vc-mem", text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "0G", "-1", "-2G", "2X", "2P", "2.5G", "2 G", " 2G", "G", "2GiBB", "2iB", "2B",
      "1536K", "1K", "17T", "99999999999999999999", "9999999999999999999T", "0x10", "+2G", "2e3"})
  void refusesOtherSizes(String text) {
    RequestException e = assertThrows(RequestException.class, () -> RequestParser.memoryMiB("vc-mem", text));
    assertEquals("vc-mem", e.field());
    assertTrue(e.getMessage().startsWith("vc-mem: "), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({"1, 1", "2, 2", "1024, 1024", "08, 8"})
  void readsVcpus(String text, int n) {
    assertEquals(n, RequestParser.vcpus("vcpus", text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "-1", "1025", "1.5", "two", "2 ", "99999999999", "0x2"})
  void refusesOtherVcpus(String text) {
    assertEquals("vcpus", assertThrows(RequestException.class, () -> RequestParser.vcpus("vcpus", text)).field());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "-1", "257", "1e2", "x"})
  void refusesOtherVmCounts(String text) {
    assertEquals("vms", assertThrows(RequestException.class, () -> RequestParser.vmsPerNode("vms", text)).field());
  }

  @Test
  void messageNamesFieldAndValue() {
    RequestException e = assertThrows(RequestException.class, () -> RequestParser.memoryMiB("vc-mem", "2X"));
    assertEquals("vc-mem: invalid size '2X' (expected e.g. 1024, 512M, 2G, 2GiB; units K, M, G, T)", e.getMessage());
  }

  @Test
  void duplicatedFieldsAreRefused() {
    List<Field> fields = List.of(new Field(Key.MEM, "VC_MEM", "1G"), new Field(Key.MEM, "VC_MEM", "2G"));
    assertEquals("VC_MEM", assertThrows(RequestException.class, () -> RequestParser.parse(fields, "x")).field());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "vc:image=debian12,vcpus=2,mem=2G,vms=3          | debian12 | 2 | 2048 | 3",
      "vc:image=debian12                               | debian12 |   |      |  ",
      "vc:mem=512                                      |          |   | 512  |  ",
      "project-7 vc:image=debian12,vcpus=4             | debian12 | 4 |      |  ",
      "project-7;vc:image=debian12;priority low        | debian12 |   |      |  ",
      "'  vc:vms=2  '                                  |          |   |      | 2",
      "vc:vms=1,image=alma9                            | alma9    |   |      | 1",
  })
  void readsTheVcPartOfAComment(String comment, String image, Integer vcpus, Long mem, Integer vms) {
    assertEquals(Optional.of(new VcRequest(image, vcpus, mem, vms, "--comment")),
        RequestParser.fromComment("comment", comment, "--comment"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "fix the solver", "image=debian12", "VC:image=debian12", "novc:image=x",
      "my vc job", "see http://vc:8080/x", "x=vc:image=debian12"})
  void commentsWithoutAVcPartAreNoRequest(String comment) {
    assertEquals(Optional.empty(), RequestParser.fromComment("comment", comment, "--comment"));
  }

  @Test
  void nullCommentIsNoRequest() {
    assertEquals(Optional.empty(), RequestParser.fromComment("comment", null, "--comment"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "vc:                                | comment",
      "vc:image                           | comment",
      "vc:image=                          | image",
      "vc:=debian12                       | comment",
      "vc:image=debian12,                 | comment",
      "vc:,image=debian12                 | comment",
      "vc:image=debian12,,vcpus=2         | comment",
      "vc:image=debian12,image=alma9      | image",
      "vc:image=debian12,memory=2G        | memory",
      "vc:IMAGE=debian12                  | IMAGE",
      "vc:image=../../etc                 | image",
      "vc:image=debian12,vcpus=0          | vcpus",
      "vc:image=debian12,vcpus=two        | vcpus",
      "vc:image=debian12,mem=2X           | mem",
      "vc:image=debian12,mem=-2G          | mem",
      "vc:image=debian12,vms=0            | vms",
      "vc:image=debian12,vms=1000         | vms",
      "vc:image=a vc:image=b              | comment",
      "vc:image=debian12,mem=2G=3         | mem",
  })
  void malformedCommentRequestsNameTheField(String comment, String field) {
    RequestException e = assertThrows(RequestException.class,
        () -> RequestParser.fromComment("comment", comment, "--comment"));
    assertEquals(field, e.field(), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  @Test
  void mountsNoneAsksForNoFolderAtAll() {
    assertEquals(MountRequest.NONE, RequestParser.mounts("mounts", "none"));
  }

  @Test
  void mountsAreAbsolutePathsSeparatedByColonsEachMaybeReadOnly() {
    MountRequest m = RequestParser.mounts("vc-mount", "/scratch/alice/in=ro:/scratch/alice/out:/data/a+b@c_1.d-e");
    assertEquals(new MountRequest(false, List.of(
        new MountRequest.Extra(java.nio.file.Path.of("/scratch/alice/in"), true),
        new MountRequest.Extra(java.nio.file.Path.of("/scratch/alice/out"), false),
        new MountRequest.Extra(java.nio.file.Path.of("/data/a+b@c_1.d-e"), false))), m);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "None", "relative/dir", "/", "/a/", "//a", "/a//b", "/a/../etc", "/a/./b", "/..",
      "/a b", "/a\nb", "/a;b", "/a$(id)", "/a`id`", "/a,b", "/a=rw", "/a=ro=ro", "/a:", ":/a", "/a::/b",
      "/a:/a", "/a:/a=ro", "none:/a", "/é", "/a\u2028b", " /a", "/a "})
  void refusesOtherMounts(String text) {
    RequestException e = assertThrows(RequestException.class, () -> RequestParser.mounts("vc-mount", text));
    assertEquals("vc-mount", e.field());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }

  @Test
  void refusesTooManyOrTooLongMounts() {
    String nine = String.join(":", java.util.stream.IntStream.range(0, 9).mapToObj(i -> "/d" + i).toList());
    assertThrows(RequestException.class, () -> RequestParser.mounts("mounts", nine));
    assertThrows(RequestException.class, () -> RequestParser.mounts("mounts", "/" + "x".repeat(200)));
  }

  @Test
  void mountsComeThroughTheComment() {
    VcRequest r = RequestParser.fromComment("comment", "vc:image=debian12,mounts=/scratch/x=ro", "--comment")
        .orElseThrow();
    assertEquals(new MountRequest(false, List.of(new MountRequest.Extra(java.nio.file.Path.of("/scratch/x"), true))),
        r.mounts());
    assertEquals(null, RequestParser.fromComment("comment", "vc:image=debian12", "--comment").orElseThrow().mounts());
  }
}

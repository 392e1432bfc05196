package org.virtualservices.simulation;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.command.ProcessCommandRunner;

/**
 * The package rules of every module's main code (README.md, "What is where"): no package cycles, and
 * a domain (what the user asked, the plan, the journal, the site configuration, the report) that
 * uses no adapter, so that it can be read, changed and tested without libvirt, iproute2, ssh or a
 * resource manager. This module sees every other one, which is why the rules live here.
 */
class ArchitectureTest {

  /** The domain: pure, or doing only its own file I/O (journal, report folder). */
  private static final String[] DOMAIN = {
      "org.virtualservices.core.request..", "org.virtualservices.core.plan..",
      "org.virtualservices.core.journal..", "org.virtualservices.core.config..",
      "org.virtualservices.core.report..", "org.virtualservices.core.names..",
      "org.virtualservices.core.net.."};

  /** What talks to the world, and the hooks and wiring that put it together. */
  private static final String[] ADAPTERS = {
      "org.virtualservices.core.fabric..", "org.virtualservices.core.hypervisor..",
      "org.virtualservices.core.remote..", "org.virtualservices.core.rm..",
      "org.virtualservices.core.disk..", "org.virtualservices.core.ready..",
      "org.virtualservices.core.teardown..", "org.virtualservices.core.runtime..", "org.virtualservices.core.confine..",
      "org.virtualservices.core.share..",
      "org.virtualservices.prolog..", "org.virtualservices.epilog..", "org.virtualservices.launcher.."};

  private static JavaClasses main;

  @BeforeAll
  static void importMainCode() {
    // the other modules come as folders (mvn test) or as jars (mvn verify); core's test-jar and the
    // test folders hold fixtures and tests, which may use anything
    main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(location -> !location.contains("-tests.jar"))
        .importPackages("org.virtualservices");
  }

  @Test
  void theImportSeesEveryModule() {
    // a rule over no classes passes whatever the code does: make sure they are all there
    for (String pkg : new String[] {"org.virtualservices.core.plan", "org.virtualservices.core.fabric.linux",
        "org.virtualservices.prolog", "org.virtualservices.epilog", "org.virtualservices.launcher"}) {
      if (!main.containPackage(pkg) || main.getPackage(pkg).getClasses().isEmpty()) {
        throw new AssertionError("no main classes imported from " + pkg);
      }
    }
  }

  @Test
  void noCycleBetweenPackages() {
    slices().matching("org.virtualservices.(**)").should().beFreeOfCycles().check(main);
  }

  @Test
  void noCycleBetweenTopLevelPackages() {
    // fabric and fabric.linux count as one here: a cycle through a subpackage is a cycle all the same
    slices().matching("org.virtualservices.core.(*)..").should().beFreeOfCycles().check(main);
  }

  @Test
  void noCycleBetweenModules() {
    slices().matching("org.virtualservices.(*)..").should().beFreeOfCycles().check(main);
  }

  @Test
  void theDomainUsesNoAdapter() {
    noClasses().that().resideInAnyPackage(DOMAIN)
        .should().dependOnClassesThat().resideInAnyPackage(ADAPTERS)
        .orShould().dependOnClassesThat().areAssignableTo(ProcessCommandRunner.class)
        .check(main);
  }

  @Test
  void theDomainResolvesNoNames() {
    // underlay names are resolved on the fabric's side (fabric.JobNetwork, UnderlayResolver)
    noClasses().that().resideInAnyPackage(DOMAIN)
        .should().dependOnClassesThat().areAssignableTo(InetAddress.class)
        .check(main);
  }

  @Test
  void theRequestAndThePlanDoNoIo() {
    // the same request and configuration make the same plan on every node, without a file or a lookup
    noClasses().that().resideInAnyPackage("org.virtualservices.core.request..", "org.virtualservices.core.plan..",
            "org.virtualservices.core.names..", "org.virtualservices.core.net..")
        .should().dependOnClassesThat().belongToAnyOf(Files.class, FileInputStream.class, FileOutputStream.class,
            RandomAccessFile.class, ProcessBuilder.class, Socket.class, InetAddress.class)
        .check(main);
  }
}

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.virtualservices.core.hostlist.Hostlist;

/** Prints "EXPR<TAB>names" or "EXPR<TAB>ERROR" for each line of stdin, as hostlists.sh does for scontrol. */
public class HostlistExpand {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String result;
      try {
        result = String.join(" ", Hostlist.expand(line));
      } catch (RuntimeException e) {
        result = "ERROR";
      }
      System.out.println(line + "\t" + result);
    }
  }
}

package dev.goloom.report;

/**
 * {@link Soak}'s command line. {@link #parse} rejects anything it does not understand with an
 * {@link IllegalArgumentException} whose message names the argument and the value.
 *
 * @param scale          fraction of the full targets (1.0 = 10^9 channel operations and 10^7 goroutines)
 * @param runners        cells run at the same time (each cell's coordinator is one goroutine)
 * @param seed           seed of the cell choices (scheduling stays nondeterministic)
 * @param phaseMinutes   longest a phase may take before the soak declares it stuck
 * @param stallSeconds   longest the soak waits without a single cell finishing before it declares it stuck
 * @param maxGrowthMib   allowed growth of the heap after a full GC between the middle and the end
 * @param help           print usage and exit
 */
record SoakOptions(double scale, int runners, long seed, int phaseMinutes, int stallSeconds, int maxGrowthMib,
                   boolean help) {

    static final String USAGE = """
            usage: Soak [options]    (from the repository top: bench/soak.sh [options])
              --scale F            fraction of the full targets: 1.0 (default) = 10^9 channel operations and
                                   10^7 goroutines; e.g. 0.01 for a quick run (0 < F <= 100)
              --runners N          cells running at the same time (default 8 x cores)
              --seed N             seed of the random cell choices (default: time-based, printed)
              --phase-minutes N    a phase (half the targets) not done after N minutes is stuck: FAIL (default 10)
              --stall-seconds N    no cell finished for N seconds is stuck: FAIL (default 120)
              --max-growth-mib N   heap after full GC may grow at most N MiB from the middle to the end (default 32)
              --help               this text
            Exit status: 0 PASS, 1 FAIL (counting mismatch, stuck goroutines, heap growth), 2 bad argument.""";

    static SoakOptions parse(String[] args) {
        double scale = 1.0;
        int runners = 8 * Runtime.getRuntime().availableProcessors();
        long seed = System.nanoTime();
        int phaseMinutes = 10, stallSeconds = 120, maxGrowthMib = 32;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.isBlank()) {
                continue;
            }
            String opt = arg, value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                opt = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (opt.equals("--help") || opt.equals("-h")) {
                if (value != null) {
                    throw new IllegalArgumentException(opt + " takes no value, got '" + arg + "'");
                }
                help = true;
                continue;
            }
            switch (opt) {
                case "--scale", "--runners", "--seed", "--phase-minutes", "--stall-seconds", "--max-growth-mib" -> {
                    if (value == null) {
                        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                            throw new IllegalArgumentException(opt + " needs a value");
                        }
                        value = args[++i];
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "' (try --help)");
            }
            switch (opt) {
                case "--scale" -> scale = scale(value);
                case "--runners" -> runners = positive(opt, value, 1, 10_000);
                case "--seed" -> seed = seed(value);
                case "--phase-minutes" -> phaseMinutes = positive(opt, value, 1, 10_000);
                case "--stall-seconds" -> stallSeconds = positive(opt, value, 1, 1_000_000);
                default -> maxGrowthMib = positive(opt, value, 0, 1_000_000);
            }
        }
        return new SoakOptions(scale, runners, seed, phaseMinutes, stallSeconds, maxGrowthMib, help);
    }

    private static double scale(String value) {
        double f;
        try {
            f = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--scale must be a number with 0 < F <= 100, got '" + value + "'");
        }
        if (!(f > 0 && f <= 100)) { // also rejects NaN
            throw new IllegalArgumentException("--scale must be a number with 0 < F <= 100, got '" + value + "'");
        }
        return f;
    }

    private static long seed(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed must be an integer, got '" + value + "'");
        }
    }

    private static int positive(String opt, String value, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " must be an integer in " + min + ".." + max + ", got '" + value
                    + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(opt + " must be an integer in " + min + ".." + max + ", got " + n);
        }
        return n;
    }
}

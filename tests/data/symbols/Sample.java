package demo.shapes;

import java.util.List;

public class Sample {
    public static final int LIMIT = 8;
    private final String name;

    public Sample(String name) {
        this.name = name;
    }

    public int area() {
        return helper(LIMIT);
    }

    private static int helper(int v) {
        return v * 2;
    }

    interface Shape {
        double area();
    }

    enum Kind { CIRCLE, SQUARE }

    static class Inner {
        void run() { new Sample("x").area(); }
    }
}

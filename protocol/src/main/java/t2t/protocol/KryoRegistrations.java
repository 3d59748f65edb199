package t2t.protocol;

import com.esotericsoftware.kryo.Kryo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The closed list of classes Kryo may read or write, in a fixed order (registration ids are
 * positional, so the list only ever grows at its end, exactly like a wire schema).
 */
public final class KryoRegistrations {
    private static final List<Class<?>> CLASSES = new ArrayList<>();
    private static final Map<String, Class<?>> BY_NAME = new LinkedHashMap<>();

    static {
        // Primitive arrays and boxed scalars that messages carry.
        add(byte[].class);
        add(int[].class);
        add(long[].class);
        add(float[].class);
        add(double[].class);
        add(String[].class);
        add(long[][].class);
        add(java.util.ArrayList.class);
        add(java.util.HashMap.class);
        add(java.util.LinkedHashMap.class);
    }

    private KryoRegistrations() {}

    /** Appends a class to the list; called at start-up by the modules whose messages travel. */
    public static synchronized void add(Class<?> type) {
        if (!BY_NAME.containsKey(type.getName())) {
            CLASSES.add(type);
            BY_NAME.put(type.getName(), type);
        }
    }

    public static synchronized List<Class<?>> classes() {
        return Collections.unmodifiableList(new ArrayList<>(CLASSES));
    }

    /** The registered class of that name, or null. */
    public static synchronized Class<?> registered(String name) {
        return BY_NAME.get(name);
    }

    /** A Kryo that accepts the registered classes only, with ids from their position. */
    public static synchronized Kryo newKryo() {
        Kryo k = new Kryo();
        k.setRegistrationRequired(true);
        k.setReferences(false);
        int id = 100;
        for (Class<?> c : CLASSES) {
            k.register(c, id++);
        }
        return k;
    }
}

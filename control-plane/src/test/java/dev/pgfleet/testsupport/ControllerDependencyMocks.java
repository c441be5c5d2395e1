package dev.pgfleet.testsupport;

import java.lang.reflect.Constructor;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import org.mockito.Mockito;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;

/**
 * Registers a Mockito mock for every application type a controller of pgfleet takes in its constructor (services,
 * views, settings), plus {@code extra} (what the security chains need), so that one web-slice context serves every
 * {@link ApiSliceTest}: the context is started once for all of them. A test gets its mocks with {@code @Autowired};
 * {@link SliceCallers} resets them before each test. New controllers and changed constructors need nothing here.
 */
public final class ControllerDependencyMocks implements BeanDefinitionRegistryPostProcessor {
    static final String BEAN_PREFIX = "sliceMock.";
    private static final String BASE_PACKAGE = "dev.pgfleet";

    private final Set<Class<?>> extra;

    public ControllerDependencyMocks(Class<?>... extra) {
        this.extra = Set.of(extra);
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(Controller.class));
        Set<Class<?>> types = new LinkedHashSet<>(extra);
        scanner.findCandidateComponents(BASE_PACKAGE).stream().map(candidate -> load(candidate.getBeanClassName()))
                .sorted(Comparator.comparing(Class::getName))
                .forEach(controller -> Arrays.stream(controller.getDeclaredConstructors())
                        .max(Comparator.comparingInt(Constructor::getParameterCount))
                        .ifPresent(constructor -> Arrays.stream(constructor.getParameterTypes())
                                .filter(type -> type.getName().startsWith(BASE_PACKAGE + ".")) // not ObjectMapper, ObjectProvider...
                                .forEach(types::add)));
        for (Class<?> type : types) {
            RootBeanDefinition mock = new RootBeanDefinition(type);
            mock.setInstanceSupplier(() -> Mockito.mock(type));
            registry.registerBeanDefinition(BEAN_PREFIX + type.getName(), mock);
        }
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    }

    private static Class<?> load(String name) {
        return ClassUtils.resolveClassName(name, ControllerDependencyMocks.class.getClassLoader());
    }
}

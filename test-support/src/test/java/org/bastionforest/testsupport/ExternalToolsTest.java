package org.bastionforest.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class ExternalToolsTest {
    private static final String MISSING = "bastion-no-such-tool-7f3a";

    @Test
    void require_whenMissingOutsideCi_thenSkipsNamingThePackage() {
        assertThatThrownBy(() -> ExternalTools.require(false, MISSING, "some-package"))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("apt-get install some-package");
    }

    @Test
    void require_whenMissingInCi_thenFailsInsteadOfSkipping() {
        assertThatThrownBy(() -> ExternalTools.require(true, MISSING, "some-package"))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("CI=true");
    }

    @Test
    void require_whenPresent_thenReturnsItsPath() {
        Path sh = ExternalTools.require(true, "sh", "dash");
        assertThat(sh).isExecutable();
    }
}

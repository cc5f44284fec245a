package org.bastionforest.api.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.bastionforest.api.config.ConfigException;
import org.bastionforest.api.config.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {
    @TempDir Path tmp;

    @Test
    void open_whenMissing_thenCreatedOwnerOnly() throws Exception {
        DataDirectory data = DataDirectory.open(tmp.resolve("a/b"));
        assertThat(data.root()).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.root())))
                .isEqualTo("rwx------");
    }

    @Test
    void secret_whenAskedTwice_thenSameValueAndFileIsOwnerOnly() throws Exception {
        DataDirectory data = DataDirectory.open(tmp);
        Secret first = data.secret("x.password");
        Secret again = DataDirectory.open(tmp).secret("x.password");
        assertThat(first).isEqualTo(again);
        assertThat(first.reveal()).hasSizeGreaterThanOrEqualTo(43);
        Path file = tmp.resolve("secrets/x.password");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(data.secret("y.password")).isNotEqualTo(first);
        assertThat(Files.readString(file))
                .as("no newline: ldapsearch -y reads it verbatim")
                .isEqualTo(first.reveal());
    }

    @Test
    void open_whenPathIsAFile_thenConfigErrorNamesDataDir() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> DataDirectory.open(file.resolve("sub")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("data-dir:");
    }
}

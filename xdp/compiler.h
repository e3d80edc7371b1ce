/* SPDX-License-Identifier: GPL-2.0 */
/* compiler.h - branch hints for the packet path */
#ifndef SCMLB_COMPILER_H
#define SCMLB_COMPILER_H

/*
 * clang lays out code and spills registers by how often it guesses each
 * block runs: tell it which way the established path goes, so that path
 * stays straight and keeps its values in registers.
 */
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif /* SCMLB_COMPILER_H */

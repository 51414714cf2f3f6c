/**
 * Makes the CPU the default backend. The engine (src/tensor) knows backends only through the
 * `Backend` interface, so the entry points import this module for its one effect: a user who
 * never calls setBackend() gets the CPU, as before, and tensor/ imports no backend.
 */
import { cpuBackend } from './kernels/cpu/cpu-backend.js';
import { setDefaultBackendFactory } from './tensor/engine.js';

setDefaultBackendFactory(cpuBackend);

// The fibers' context switch for the CUDA emulation (cuda_runtime.h here) on x86-64: push the
// callee-saved registers on the current stack, save the stack pointer, load the other fiber's,
// pop its registers and return into it. glibc's swapcontext does the same plus a signal-mask
// system call per switch, which made the emulated trainer tests take minutes.
#if defined(__x86_64__)
asm(R"(
    .text
    .globl sgds_emulation_switch
    .type sgds_emulation_switch, @function
sgds_emulation_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size sgds_emulation_switch, .-sgds_emulation_switch
    .section .note.GNU-stack, "", @progbits
    .text
)");
#endif

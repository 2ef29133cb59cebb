"""Integration-test harness for holdgate: real sshd, real OpenSSH clients, real holdgate.

Modules, bottom-up: procs (ports, processes), logs (tails on failure), keys (ssh-keygen),
sshd (the target), gate_config (holdgate YAML), holdgate (the binary), client (ssh/scp/sftp/pty),
world (all of it wired together).
"""

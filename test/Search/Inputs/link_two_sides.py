"""Runs both sides of sepnn_rt_profile's link measurement as separate processes
(as on two machines): `--link-rank 1` in the background, `--link-rank 0` in the
foreground, and prints what rank 0 printed. Usage: link_two_sides.py PROFILER PORT"""
import subprocess
import sys

profiler, port = sys.argv[1], int(sys.argv[2])
devices = f"127.0.0.1:{port},127.0.0.1:{port + 1}"
echo = subprocess.Popen([profiler, "--link-rank", "1", "--link-devices", devices])
measuring = subprocess.run([profiler, "--link-rank", "0", "--link-devices", devices],
                           capture_output=True, text=True, timeout=60)
echo.wait(timeout=60)
sys.stdout.write(measuring.stdout)
sys.stderr.write(measuring.stderr)
sys.exit(measuring.returncode or echo.returncode)

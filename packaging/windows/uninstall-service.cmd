@echo off
rem Stops and removes the cccd service. The data directory
rem (%ProgramData%\cccd: database, API token, configuration, log) stays.
rem `net stop` waits until the service has stopped (up to its 20 s stop hint).
net.exe stop cccd >nul 2>&1
sc.exe delete cccd >nul 2>&1
exit /b 0

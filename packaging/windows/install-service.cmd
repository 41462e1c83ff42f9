@echo off
rem Registers (or updates) the cccd Windows service and starts it.
rem Usage: install-service.cmd "C:\Program Files\cccd"
rem   - runs "cccd.exe service run" as LocalSystem, automatic (delayed) start at boot;
rem   - depends on the Smart Card service (SCardSvr), so Windows starts that first;
rem   - restarted 5 s / 5 s / 30 s after a failure, also after a non-zero exit code.
rem SCardSvr stops by itself when the last reader is unplugged; cccd keeps
rem running and reconnects when a reader comes back (see README, "Install on Windows").
rem No parenthesised blocks: an install path may contain ")".
setlocal
set "DIR=%~1"
if "%DIR%"=="" set "DIR=%~dp0."
set "CONF=%ProgramData%\cccd\config.json"
set "BIN=\"%DIR%\cccd.exe\" service run --config \"%CONF%\""
set "VERB=create"
sc.exe query cccd >nul 2>&1
if not errorlevel 1 set "VERB=config"
sc.exe %VERB% cccd binPath= "%BIN%" start= delayed-auto depend= SCardSvr DisplayName= "cccd reception agent"
if errorlevel 1 goto failed
sc.exe description cccd "Reads chip ID cards (CCCD) and checks health insurance (BHYT) for reception"
sc.exe failure cccd reset= 86400 actions= restart/5000/restart/5000/restart/30000
sc.exe failureflag cccd 1
sc.exe start cccd
exit /b 0
:failed
echo install-service: could not register the cccd service; run the installer as administrator 1>&2
exit /b 1

; NSIS 3 installer for cccd on Windows (x64), built on Linux by scripts/dist.sh:
;   makensis -DVERSION=1.2.3 -DVERSION_NUM=1.2.3.0 -DEXE=/abs/cccd.exe -DCONFIG=/abs/config.json \
;            -DREADME=/abs/README.md -DOUTFILE=/abs/cccd-1.2.3-setup.exe packaging/windows/cccd.nsi
; Install: files in $PROGRAMFILES64\cccd, data in %ProgramData%\cccd (database,
; API token, config.json, cccd.log; readable by SYSTEM and Administrators only),
; the service registered by install-service.cmd and started.
; Upgrade: run the newer installer; it stops the service, replaces the program
; and keeps config.json and the data. Uninstall keeps the data unless
; "uninstall.exe /PURGE" (or /S /PURGE, silent) is used.
Unicode true
!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"
!include "FileFunc.nsh"

!ifndef VERSION
  !error "pass -DVERSION=..."
!endif
!ifndef VERSION_NUM
  !error "pass -DVERSION_NUM=N.N.N.N (numeric, for the file properties)"
!endif
!ifndef EXE
  !error "pass -DEXE=path/to/cccd.exe"
!endif
!ifndef CONFIG
  !error "pass -DCONFIG=path/to/config.json (cccd serve --print-config)"
!endif
!ifndef README
  !error "pass -DREADME=path/to/README.md"
!endif
!ifndef OUTFILE
  !define OUTFILE "cccd-setup.exe"
!endif

!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\cccd"
!define EVENTLOG_KEY "SYSTEM\CurrentControlSet\Services\EventLog\Application\cccd"

Name "cccd ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\cccd"
InstallDirRegKey HKLM "Software\cccd" "InstallDir"
RequestExecutionLevel admin
SetCompressor /SOLID lzma
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION_NUM}"
VIAddVersionKey /LANG=1033 "ProductName" "cccd"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileDescription" "cccd reception agent installer"
VIAddVersionKey /LANG=1033 "LegalCopyright" "cccd maintainers"

!define MUI_ABORTWARNING
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "Vietnamese"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "cccd needs 64-bit Windows."
    Abort
  ${EndIf}
  ; The stub is 32-bit: write the 64-bit registry view.
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "cccd" SecMain
  SectionIn RO
  ; Upgrade: stop the running service first (net stop waits for it), so the
  ; program file can be replaced; data and config stay.
  nsExec::ExecToLog 'net.exe stop cccd'
  Pop $0

  SetOutPath "$INSTDIR"
  File "/oname=cccd.exe" "${EXE}"
  File "/oname=README.md" "${README}"
  File "/oname=install-service.cmd" "install-service.cmd"
  File "/oname=uninstall-service.cmd" "uninstall-service.cmd"
  File "/oname=config.default.json" "${CONFIG}"

  ; Data directory: only SYSTEM (the service) and Administrators may read it,
  ; since it holds the API token and patients' check-ins.
  CreateDirectory "$APPDATA\cccd"
  nsExec::ExecToLog 'icacls.exe "$APPDATA\cccd" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F'
  Pop $0
  ${If} $0 != 0
    DetailPrint "icacls failed ($0): restrict $APPDATA\cccd to SYSTEM and Administrators by hand"
  ${EndIf}
  ; The configuration is the admin's: installed once, never overwritten.
  SetOverwrite off
  File "/oname=$APPDATA\cccd\config.json" "${CONFIG}"
  SetOverwrite on

  ; Database and API token, created once and kept on upgrade (schema migrated).
  nsExec::ExecToLog '"$INSTDIR\cccd.exe" serve --init --config "$APPDATA\cccd\config.json" --data "$APPDATA\cccd"'
  Pop $0
  ${If} $0 != 0
    MessageBox MB_ICONSTOP "cccd could not initialise $APPDATA\cccd (exit code $0); see the details."
    Abort
  ${EndIf}

  ; Event-log source for the service's start, stop and failure messages.
  WriteRegExpandStr HKLM "${EVENTLOG_KEY}" "EventMessageFile" "%SystemRoot%\System32\EventCreate.exe"
  WriteRegDWORD HKLM "${EVENTLOG_KEY}" "TypesSupported" 7
  WriteRegDWORD HKLM "${EVENTLOG_KEY}" "CustomSource" 1

  nsExec::ExecToLog '"$INSTDIR\install-service.cmd" "$INSTDIR"'
  Pop $0
  ${If} $0 != 0
    MessageBox MB_ICONSTOP "The cccd service could not be registered (exit code $0)."
    Abort
  ${EndIf}

  WriteRegStr HKLM "Software\cccd" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "Software\cccd" "Version" "${VERSION}"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "cccd reception agent"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "cccd maintainers"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\cccd.exe"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1

  ; Start menu: the reception console (the agent's local web page) and uninstall.
  CreateDirectory "$SMPROGRAMS\cccd"
  WriteINIStr "$SMPROGRAMS\cccd\cccd console.url" "InternetShortcut" "URL" "http://127.0.0.1:7400/"
  CreateShortcut "$SMPROGRAMS\cccd\cccd data folder.lnk" "$APPDATA\cccd"
  CreateShortcut "$SMPROGRAMS\cccd\Uninstall cccd.lnk" "$INSTDIR\uninstall.exe"
SectionEnd

Section "Uninstall"
  nsExec::ExecToLog '"$INSTDIR\uninstall-service.cmd"'
  Pop $0
  Delete "$INSTDIR\cccd.exe"
  Delete "$INSTDIR\README.md"
  Delete "$INSTDIR\install-service.cmd"
  Delete "$INSTDIR\uninstall-service.cmd"
  Delete "$INSTDIR\config.default.json"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\cccd\cccd console.url"
  Delete "$SMPROGRAMS\cccd\cccd data folder.lnk"
  Delete "$SMPROGRAMS\cccd\Uninstall cccd.lnk"
  RMDir "$SMPROGRAMS\cccd"
  DeleteRegKey HKLM "${UNINST_KEY}"
  DeleteRegKey HKLM "Software\cccd"
  DeleteRegKey HKLM "${EVENTLOG_KEY}"
  ; The data (%ProgramData%\cccd) is kept unless /PURGE is given.
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/PURGE" $R1
  ${IfNot} ${Errors}
    RMDir /r "$APPDATA\cccd"
  ${EndIf}
SectionEnd

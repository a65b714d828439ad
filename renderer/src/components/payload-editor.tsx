import { useEffect, useRef } from 'react';
import { monaco } from '../monaco-setup';
import { useTheme } from '../theme';

/** Props of {@link PayloadEditor}. */
export interface PayloadEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** 'json' validates and formats; anything else is plain text. */
  language: 'json' | 'plaintext';
  /** Accessible name of the editor's text area. */
  label: string;
  /** Called with a function that formats the document (JSON only). */
  onReady?: (api: { format: () => void; focus: () => void }) => void;
  /** Ctrl/Cmd+Enter inside the editor. */
  onSubmit?: () => void;
}

/** The Monaco payload editor: JSON validation and formatting, follows the light/dark theme. */
export function PayloadEditor({ value, onChange, language, label, onReady, onSubmit }: PayloadEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor>(undefined);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const onSubmitRef = useRef(onSubmit);
  onSubmitRef.current = onSubmit;

  const theme = useTheme();
  useEffect(() => {
    const editor = monaco.editor.create(host.current!, {
      value,
      language,
      ariaLabel: label,
      automaticLayout: true,
      minimap: { enabled: false },
      lineNumbers: 'on',
      scrollBeyondLastLine: false,
      fontSize: 13,
      tabSize: 2,
      wordWrap: 'on',
      theme: theme === 'dark' ? 'vs-dark' : 'vs',
      // A real textarea carries the input: screen readers and test drivers know it.
      editContext: false,
    });
    editorRef.current = editor;
    const subscription = editor.onDidChangeModelContent(() => onChangeRef.current(editor.getValue()));
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => onSubmitRef.current?.());
    onReady?.({
      // Formatting here, not through the JSON worker: deterministic, and one undo step.
      format: () => {
        const model = editor.getModel();
        if (!model) return;
        try {
          const pretty = JSON.stringify(JSON.parse(model.getValue()), null, 2);
          editor.pushUndoStop();
          editor.executeEdits('format-json', [{ range: model.getFullModelRange(), text: pretty }]);
          editor.pushUndoStop();
        } catch {
          // Not JSON yet: the editor's own markers already show where.
        }
      },
      focus: () => editor.focus(),
    });
    return () => {
      subscription.dispose();
      editor.getModel()?.dispose();
      editor.dispose();
    };
    // Created once; value and language changes are applied by the effects below.
  }, []);

  useEffect(() => {
    const editor = editorRef.current;
    if (editor && editor.getValue() !== value) editor.setValue(value);
  }, [value]);

  useEffect(() => {
    monaco.editor.setTheme(theme === 'dark' ? 'vs-dark' : 'vs');
  }, [theme]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (model) monaco.editor.setModelLanguage(model, language);
  }, [language]);

  return <div ref={host} className="payload-editor" data-language={language} />;
}

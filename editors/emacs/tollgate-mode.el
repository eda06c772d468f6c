;;; tollgate-mode.el --- Major mode for Tollgate policies -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1"))
;; Keywords: languages
;; SPDX-License-Identifier: Apache-2.0

;;; Commentary:

;; A major mode for Tollgate policy files (`*.tg'): syntax (`//' comments, `///' and `//!' doc
;; comments, strings, raw strings `r"..."' / `r#"..."#'), font-lock, indentation, imenu, and
;; the Tollgate language server (`tollgate lsp') registered with eglot.
;;
;;   (add-to-list 'load-path "/path/to/tollgate/editors/emacs")
;;   (require 'tollgate-mode)
;;   (add-hook 'tollgate-mode-hook #'eglot-ensure)

;;; Code:

(require 'seq)

(defgroup tollgate nil
  "Support for the Tollgate policy language."
  :group 'languages
  :prefix "tollgate-")

(defcustom tollgate-indent-offset 2
  "Indentation of a block's contents and of a rule's clauses."
  :type 'integer
  :safe #'integerp)

(defconst tollgate-keywords
  '("module" "import" "as" "param" "type" "enum" "fn" "builtin" "deny" "warn" "info"
    "except" "secret" "test" "for" "in" "let" "where" "when" "unless" "message" "until"
    "because" "and" "or" "not" "matches" "glob" "true" "false" "none" "image" "expect"
    "denies" "warns" "passes" "with" "times")
  "The keywords of the Tollgate grammar (`KEYWORDS' in grammar/src/lib.rs).")

(defconst tollgate--operator-words '("and" "or" "not" "in" "matches" "glob"))
(defconst tollgate--constant-words '("true" "false" "none"))
(defconst tollgate--builtin-types
  '("bool" "int" "float" "string" "version" "date" "duration" "time" "list" "set" "map"))

(defconst tollgate--clause-words
  '("for" "let" "where" "when" "unless" "message" "until" "because")
  "Words that start a clause of a rule or an exception, indented under its head.")

(defconst tollgate--ident "[A-Za-z_][A-Za-z0-9_]*")

(defvar tollgate-mode-syntax-table
  (let ((table (make-syntax-table)))
    ;; `//' starts a comment (there are no block comments).
    (modify-syntax-entry ?/ ". 12" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?\\ "\\" table)
    (modify-syntax-entry ?_ "_" table)
    (modify-syntax-entry ?@ "'" table)
    (dolist (c '(?* ?+ ?- ?% ?< ?> ?= ?! ?? ?& ?| ?. ?, ?: ?#))
      (modify-syntax-entry c "." table))
    table)
  "Syntax table for `tollgate-mode'.")

(defun tollgate--syntax-propertize (start end)
  "Mark raw strings between START and END as string fences.
Raw strings (`r\"...\"', `r#\"...\"#') may hold `\"' and `\\'
unescaped, so the usual string syntax cannot find their end."
  (goto-char start)
  (while (re-search-forward "\\_<r\\(#*\\)\"" end t)
    (let ((open (1- (point)))
          (closing (concat "\"" (match-string 1))))
      (unless (nth 8 (save-excursion (syntax-ppss (match-beginning 0))))
        (put-text-property open (1+ open) 'syntax-table (string-to-syntax "|"))
        (let ((body-start (point)))
          (when (search-forward closing nil t)
            (let ((close (- (point) (length closing))))
              (put-text-property close (1+ close) 'syntax-table (string-to-syntax "|"))
              ;; Backslashes inside a raw string escape nothing.
              (save-excursion
                (goto-char body-start)
                (while (search-forward "\\" close t)
                  (put-text-property (1- (point)) (point) 'syntax-table
                                     (string-to-syntax "."))))
              (syntax-ppss-flush-cache open))))))))

(defun tollgate--syntactic-face (state)
  "The face of the string or comment described by the `syntax-ppss' STATE."
  (cond
   ((nth 3 state) font-lock-string-face)
   ((save-excursion
      (goto-char (nth 8 state))
      (looking-at-p "//[!/]\\(?:[^/]\\|$\\)"))
    font-lock-doc-face)
   (t font-lock-comment-face)))

(defun tollgate--match-interpolation (limit)
  "Find the next `{expr}' interpolation inside a plain string before LIMIT."
  (let (found)
    (while (and (not found)
                (re-search-forward "{\\({\\)?" limit t))
      (let ((state (save-excursion (syntax-ppss (match-beginning 0)))))
        (cond
         ;; `{{' is a literal brace.
         ((match-beginning 1) nil)
         ;; Only double-quoted strings interpolate; raw strings are fences (t).
         ((not (eq (nth 3 state) ?\")) nil)
         (t
          (let ((begin (match-beginning 0)))
            (when (re-search-forward "}" (min limit (line-end-position)) t)
              (set-match-data (list begin (point)))
              (setq found t)))))))
    found))

(defface tollgate-function-call-face
  (if (facep 'font-lock-function-call-face)
      '((t :inherit font-lock-function-call-face))
    '((t :inherit default)))
  "Face for function calls (`font-lock-function-call-face' where Emacs has it)."
  :group 'tollgate)

(defconst tollgate-font-lock-keywords
  `(;; Declarations: the name after the keyword.
    (,(concat "\\_<\\(deny\\|warn\\|info\\)\\_>[ \t]+\\(" tollgate--ident "\\)")
     (1 font-lock-keyword-face) (2 font-lock-function-name-face))
    (,(concat "\\_<\\(?:builtin[ \t]+\\)?fn[ \t]+\\(" tollgate--ident "\\)")
     (1 font-lock-function-name-face))
    (,(concat "\\_<\\(?:type\\|enum\\)[ \t]+\\(" tollgate--ident "\\)")
     (1 font-lock-type-face))
    (,(concat "\\_<\\(?:param\\|secret\\|let\\)[ \t]+\\(" tollgate--ident "\\)")
     (1 font-lock-variable-name-face))
    (,(concat "\\_<\\(?:except\\|denies\\|warns\\|passes\\)[ \t]+\\("
              tollgate--ident "\\(?:\\." tollgate--ident "\\)*\\)")
     (1 font-lock-function-name-face))
    (,(concat "\\_<\\(?:module\\|import\\)[ \t]+\\("
              tollgate--ident "\\(?:\\." tollgate--ident "\\)*\\)")
     (1 font-lock-constant-face))
    ;; Attributes.
    (,(concat "@" tollgate--ident) . font-lock-preprocessor-face)
    ;; Field access: any word after `.' is a field, keywords included.
    (,(concat "\\??\\.\\(" tollgate--ident "\\)") (1 'default))
    ;; Words.
    (,(regexp-opt tollgate--constant-words 'symbols) . font-lock-constant-face)
    (,(regexp-opt tollgate--operator-words 'symbols) . font-lock-builtin-face)
    (,(regexp-opt (seq-difference tollgate-keywords
                                  (append tollgate--operator-words tollgate--constant-words))
                  'symbols)
     . font-lock-keyword-face)
    (,(regexp-opt tollgate--builtin-types 'symbols) . font-lock-type-face)
    ("\\_<[A-Z][A-Za-z0-9_]*\\_>" . font-lock-type-face)
    ;; Literals: dates and durations before numbers.
    ("\\_<[0-9]\\{4\\}-[0-9]\\{2\\}-[0-9]\\{2\\}\\_>" . font-lock-constant-face)
    ("\\_<\\(?:[0-9]+[wdhms]\\)+\\_>" . font-lock-constant-face)
    ("\\_<[0-9][0-9_]*\\(?:\\.[0-9][0-9_]*\\)?\\(?:[eE][-+]?[0-9]+\\)?\\_>" . font-lock-constant-face)
    ;; Calls.
    (,(concat "\\(" tollgate--ident "\\)[ \t]*(") (1 'tollgate-function-call-face nil t))
    ;; `{expr}' inside strings.
    (tollgate--match-interpolation (0 font-lock-variable-name-face t)))
  "Font-lock rules for `tollgate-mode'.")

(defun tollgate--line-starts-with (words)
  "Whether the current line's first word is one of WORDS."
  (save-excursion
    (back-to-indentation)
    (looking-at-p (regexp-opt words 'symbols))))

(defun tollgate-indent-line ()
  "Indent the current line.
One `tollgate-indent-offset' per open bracket, and one more for the
clauses of a rule or exception (`for', `where', `message', ...)."
  (interactive)
  (let* ((state (save-excursion (syntax-ppss (line-beginning-position))))
         (depth (car state))
         (closing (save-excursion (back-to-indentation) (looking-at-p "[]})]")))
         (indent (* tollgate-indent-offset (max 0 (- depth (if closing 1 0))))))
    (unless (nth 3 state)
      (when (and (= depth 0) (tollgate--line-starts-with tollgate--clause-words))
        (setq indent (+ indent tollgate-indent-offset)))
      (let ((offset (- (current-column) (current-indentation))))
        (indent-line-to indent)
        (when (> offset 0)
          (forward-char offset))))))

(defvar tollgate-imenu-generic-expression
  `(("Rules" ,(concat "^\\(?:deny\\|warn\\|info\\)[ \t]+\\(" tollgate--ident "\\)") 1)
    ("Functions" ,(concat "^\\(?:builtin[ \t]+\\)?fn[ \t]+\\(" tollgate--ident "\\)") 1)
    ("Types" ,(concat "^\\(?:type\\|enum\\)[ \t]+\\(" tollgate--ident "\\)") 1)
    ("Params" ,(concat "^param[ \t]+\\(" tollgate--ident "\\)") 1)
    ("Tests" "^test[ \t]+\"\\([^\"]*\\)\"" 1))
  "Imenu entries of a policy file.")

;;;###autoload
(define-derived-mode tollgate-mode prog-mode "Tollgate"
  "Major mode for Tollgate policy files.

\\{tollgate-mode-map}"
  :syntax-table tollgate-mode-syntax-table
  (setq-local comment-start "// ")
  (setq-local comment-end "")
  (setq-local comment-start-skip "//+!?[ \t]*")
  (setq-local syntax-propertize-function #'tollgate--syntax-propertize)
  (setq-local font-lock-defaults
              '(tollgate-font-lock-keywords nil nil nil nil
                (font-lock-syntactic-face-function . tollgate--syntactic-face)))
  (setq-local indent-line-function #'tollgate-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local electric-indent-chars (append '(?\} ?\] ?\)) electric-indent-chars))
  (setq-local imenu-generic-expression tollgate-imenu-generic-expression))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.tg\\'" . tollgate-mode))

;; The language server: `tollgate lsp' on stdio. Eglot is built in from Emacs 29 (Debian's
;; elpa-eglot package brings it to 28).
(defvar eglot-server-programs)
;;;###autoload
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs '(tollgate-mode "tollgate" "lsp")))

(provide 'tollgate-mode)
;;; tollgate-mode.el ends here

;;; tollgate-mode-test.el --- ERT tests of tollgate-mode -*- lexical-binding: t; -*-

;;; Commentary:

;; Run by scripts/editors-emacs-test.sh:
;;   emacs -Q --batch -L editors/emacs -l editors/emacs/test/tollgate-mode-test.el \
;;         -f ert-run-tests-batch-and-exit

;;; Code:

(require 'ert)
(require 'imenu)
(require 'tollgate-mode)

(defconst tollgate-test-policy
  "//! Production admission policy.
module acme.prod

/// Highest severity we tolerate.
param max_fixable: Severity = High

/// Fixable vulnerabilities must be patched.
@id(\"ACME-VULN-001\")
deny fixable_vulns
  for v in image.vulnerabilities
  where v.severity > max_fixable and v.fixed_in != none
  message \"{v.id} in {v.package.name}, {{literal}}\"

// A plain comment.
secret acme_token = r#\"ACME-\"[0-9a-f]{32}\\\"#
fn is_shell(path: string) -> bool = path matches r\"^/bin/sh$\"

except fixable_vulns
  until 2027-01-31
  because \"reviewed\"

test \"root\" {
  expect image { config: { user: \"root\" } } denies fixable_vulns
}
"
  "A policy that uses every construct the mode highlights.")

(defmacro tollgate-test-with-policy (&rest body)
  "Run BODY in a fontified `tollgate-mode' buffer holding `tollgate-test-policy'."
  (declare (indent 0))
  `(with-temp-buffer
     (insert tollgate-test-policy)
     (tollgate-mode)
     (font-lock-ensure)
     (goto-char (point-min))
     ,@body))

(defun tollgate-test-face-at (needle &optional offset)
  "The face at the first occurrence of NEEDLE (plus OFFSET characters)."
  (save-excursion
    (goto-char (point-min))
    (let ((case-fold-search nil))
      (search-forward needle))
    (let ((face (get-text-property (+ (match-beginning 0) (or offset 0)) 'face)))
      (if (listp face) (car face) face))))

(ert-deftest tollgate-mode-is-chosen-for-tg-files ()
  (let ((file (make-temp-file "policy" nil ".tg" tollgate-test-policy)))
    (unwind-protect
        (with-current-buffer (find-file-noselect file)
          (unwind-protect
              (should (eq major-mode 'tollgate-mode))
            (kill-buffer)))
      (delete-file file))))

(ert-deftest tollgate-mode-faces ()
  (tollgate-test-with-policy
    (should (eq (tollgate-test-face-at "//! Production") 'font-lock-doc-face))
    (should (eq (tollgate-test-face-at "/// Highest") 'font-lock-doc-face))
    (should (eq (tollgate-test-face-at "// A plain" 3) 'font-lock-comment-face))
    (should (eq (tollgate-test-face-at "module") 'font-lock-keyword-face))
    (should (eq (tollgate-test-face-at "acme.prod") 'font-lock-constant-face))
    (should (eq (tollgate-test-face-at "param") 'font-lock-keyword-face))
    (should (eq (tollgate-test-face-at "max_fixable") 'font-lock-variable-name-face))
    (should (eq (tollgate-test-face-at "Severity") 'font-lock-type-face))
    (should (eq (tollgate-test-face-at "@id") 'font-lock-preprocessor-face))
    (should (eq (tollgate-test-face-at "\"ACME-VULN") 'font-lock-string-face))
    (should (eq (tollgate-test-face-at "deny") 'font-lock-keyword-face))
    (should (eq (tollgate-test-face-at "fixable_vulns") 'font-lock-function-name-face))
    (should (eq (tollgate-test-face-at "for v") 'font-lock-keyword-face))
    (should (eq (tollgate-test-face-at " in " 1) 'font-lock-builtin-face))
    (should (eq (tollgate-test-face-at "image.") 'font-lock-keyword-face))
    (should (eq (tollgate-test-face-at " and " 1) 'font-lock-builtin-face))
    (should (eq (tollgate-test-face-at "none") 'font-lock-constant-face))
    (should (eq (tollgate-test-face-at "{v.id}") 'font-lock-variable-name-face))
    (should (eq (tollgate-test-face-at "{{literal") 'font-lock-string-face))
    (should (eq (tollgate-test-face-at "string)") 'font-lock-type-face))
    (should (eq (tollgate-test-face-at "is_shell") 'font-lock-function-name-face))
    (should (eq (tollgate-test-face-at "matches") 'font-lock-builtin-face))
    (should (eq (tollgate-test-face-at "2027-01-31") 'font-lock-constant-face))
    (should (eq (tollgate-test-face-at "expect") 'font-lock-keyword-face))
    (should (eq (tollgate-test-face-at "denies") 'font-lock-keyword-face))))

(ert-deftest tollgate-mode-field-names-are-not-keywords ()
  (with-temp-buffer
    (insert "deny x\n  when f.type == \"dir\" and f.message != none\n")
    (tollgate-mode)
    (font-lock-ensure)
    (should (eq (tollgate-test-face-at ".type" 1) 'default))
    (should (eq (tollgate-test-face-at ".message" 1) 'default))))

(ert-deftest tollgate-mode-raw-strings-hold-quotes-and-backslashes ()
  (tollgate-test-with-policy
    ;; `r#"ACME-"[0-9a-f]{32}\"#' is one string: the `"' and `\' inside end nothing.
    (search-forward "[0-9a-f]")
    (should (nth 3 (syntax-ppss)))
    (search-forward "\"#")
    (should-not (nth 3 (syntax-ppss)))
    (search-forward "fn ")
    (should-not (nth 3 (syntax-ppss)))
    (should (eq (tollgate-test-face-at "is_shell") 'font-lock-function-name-face))
    ;; No interpolation inside raw strings.
    (should (eq (tollgate-test-face-at "{32}") 'font-lock-string-face))))

(ert-deftest tollgate-mode-comments ()
  (tollgate-test-with-policy
    (should (equal comment-start "// "))
    (search-forward "A plain")
    (should (nth 4 (syntax-ppss)))
    (forward-line 1)
    (should-not (nth 4 (syntax-ppss)))
    ;; `/' alone is division, not a comment.
    (erase-buffer)
    (insert "let x = a / b")
    (should-not (nth 4 (syntax-ppss)))))

(ert-deftest tollgate-mode-indentation ()
  (with-temp-buffer
    (tollgate-mode)
    (insert "deny root_user\nwhen image.config.user == \"root\"\nmessage \"root\"\n\n"
            "test \"t\" {\nexpect image {\nconfig: { user: \"root\" }\n} denies root_user\n}\n")
    (indent-region (point-min) (point-max))
    (should (equal (buffer-string)
                   (concat "deny root_user\n  when image.config.user == \"root\"\n  message \"root\"\n\n"
                           "test \"t\" {\n  expect image {\n    config: { user: \"root\" }\n  } denies root_user\n}\n")))))

(ert-deftest tollgate-mode-imenu ()
  (tollgate-test-with-policy
    (let ((index (funcall imenu-create-index-function)))
      (should (assoc "fixable_vulns" (cdr (assoc "Rules" index))))
      (should (assoc "is_shell" (cdr (assoc "Functions" index))))
      (should (assoc "max_fixable" (cdr (assoc "Params" index))))
      (should (assoc "root" (cdr (assoc "Tests" index)))))))

(ert-deftest tollgate-mode-registers-with-eglot ()
  ;; Eglot is built in from Emacs 29; Debian's elpa-eglot brings it to 28.
  (should (require 'eglot nil t))
  (should (equal (assq 'tollgate-mode eglot-server-programs)
                 '(tollgate-mode "tollgate" "lsp"))))

(provide 'tollgate-mode-test)
;;; tollgate-mode-test.el ends here
